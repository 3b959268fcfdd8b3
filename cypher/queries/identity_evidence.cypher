// @title A researcher's identity evidence
// @answers Why the graph believes a Researcher node is one person: how the identity was resolved, with what
//   confidence and evidence, how each authorship was attached, and the curators' SAME_AS / NOT_SAME_AS decisions.
// @group audit
// @param id "name:xue|rui:1a2b3c4d" -- the researcher's id
// @returns id, name, name_key, identity_method, identity_confidence, identity_evidence,
//   authored (work, title, position, raw_name, source, confidence), decisions (type, other, by, at, why)
MATCH (r:Researcher {id: $id})
RETURN r.id AS id, r.name AS name, r.name_key AS name_key,
       r.identity_method AS identity_method, r.identity_confidence AS identity_confidence,
       r.identity_evidence AS identity_evidence,
       COLLECT {
         MATCH (r)-[a:AUTHORED]->(w:Work)
         WITH a, w ORDER BY w.id
         RETURN {work: w.id, title: w.title, position: a.position, raw_name: a.raw_name, source: a.source,
                 confidence: a.confidence}
       } AS authored,
       COLLECT {
         MATCH (r)-[d:SAME_AS|NOT_SAME_AS]-(o:Researcher)
         WITH d, o ORDER BY type(d), o.id
         RETURN {type: type(d), other: o.id, by: d.by, at: toString(d.at), why: d.why}
       } AS decisions
