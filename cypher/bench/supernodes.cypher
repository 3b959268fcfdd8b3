// Benchmarks: the most productive researchers (the panel's supernodes), most works first, ties by id.
MATCH (r:Researcher)
WITH r, COUNT { (r)-[:AUTHORED]->() } AS works
ORDER BY works DESC, r.id
LIMIT $limit
RETURN r.id AS id, works
