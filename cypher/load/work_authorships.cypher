// The authorship mentions already stored on these works (one AUTHORED edge per author slot).
UNWIND $ids AS wid
MATCH (w:Work {id: wid})<-[a:AUTHORED]-(r:Researcher)
RETURN wid AS work, r.id AS researcher, r.block_key AS block, a.mentions AS mentions, properties(a) AS stored
ORDER BY work, researcher
