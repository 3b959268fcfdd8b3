// Benchmarks: ordinary researchers (between $low and $high works), a deterministic sample by id.
MATCH (r:Researcher)
WITH r, COUNT { (r)-[:AUTHORED]->() } AS works
WHERE $low <= works <= $high
WITH r, works
ORDER BY r.id
LIMIT $limit
RETURN r.id AS id, works
