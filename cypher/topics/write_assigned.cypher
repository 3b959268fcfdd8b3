// Replace a work's assigned topics: delete its HAS_TOPIC edges whose method is not $source (any assigner, any
// version), then MERGE the new ones {score, method, evidence} and store its keyphrases.
// $rows: [{id, keyphrases, topics: [{id, score, evidence}]}]
UNWIND $rows AS row
MATCH (w:Work {id: row.id})
CALL (w) {
  MATCH (w)-[old:HAS_TOPIC]->(:Topic)
  WHERE old.method <> $source
  DELETE old
}
SET w.keyphrases = row.keyphrases
WITH w, row
CALL (w, row) {
  UNWIND row.topics AS tp
  MATCH (t:Topic {id: tp.id})
  MERGE (w)-[h:HAS_TOPIC]->(t)
  SET h.score = tp.score, h.method = $method, h.evidence = tp.evidence
  RETURN count(h) AS edges
}
RETURN count(w) AS works, sum(edges) AS edges
