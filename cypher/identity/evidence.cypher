// The evidence behind a researcher's identity: method, confidence, the evidence strings, and every authorship
// with the names it was seen under, its sources and confidence.
MATCH (r:Researcher {id: $id})
OPTIONAL MATCH (r)-[a:AUTHORED]->(w:Work)
WITH r, a, w ORDER BY w.year, w.id
RETURN r.id AS id, r.name AS name, r.aliases AS aliases, r.identity_method AS method,
       r.identity_confidence AS confidence, r.identity_evidence AS evidence,
       collect(CASE WHEN w IS NULL THEN NULL ELSE {work: w.id, title: w.title, year: w.year, position: a.position,
         names: a.names, sources: a.sources, confidence: a.confidence} END) AS authorships
