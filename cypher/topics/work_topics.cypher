// One work's topics for `kg topics show`: title, keyphrases, and each HAS_TOPIC with the topic's name, level,
// scheme, score, method and evidence, best score first (ties by topic id).
MATCH (w:Work {id: $id})
OPTIONAL MATCH (w)-[h:HAS_TOPIC]->(t:Topic)
WITH w, h, t
ORDER BY h.score DESC, t.id
WITH w, collect(CASE WHEN t IS NULL THEN NULL ELSE {
  id: t.id, name: t.name, level: t.level, scheme: t.scheme,
  score: h.score, method: h.method, evidence: coalesce(h.evidence, [])
} END) AS topics
RETURN w.id AS id, w.title AS title, coalesce(w.keyphrases, []) AS keyphrases, topics
