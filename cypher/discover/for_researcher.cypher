// The stored suggestions for one researcher, best first (what `kg discover --show` and analysts read).
// Params: $id (researcher id).
MATCH (r:Researcher {id: $id})-[s:SUGGESTED_COLLABORATOR]->(o:Researcher)
RETURN o.id AS id, o.name AS name, s.score AS score, s.reasons AS reasons, s.run AS run
ORDER BY s.score DESC, o.id ASC
