// Every work's keyphrases and assigned topics (any method but $source) with score, method and evidence, by id: what
// a topic assignment run wrote, for comparing two runs.
MATCH (w:Work)
OPTIONAL MATCH (w)-[h:HAS_TOPIC]->(t) WHERE h.method <> $source
WITH w, t, h ORDER BY t.id
RETURN w.id AS id, w.keyphrases AS keyphrases,
       collect(CASE WHEN t IS NULL THEN NULL ELSE [t.id, h.score, h.method, h.evidence] END) AS topics
ORDER BY id
