// One page of researcher ids in id order (keyset pagination on the unique index) with their work counts (from the
// degree store): rebuild walks every researcher, cutting the pages into transactions by researchers AND works.
// Params: $after (the last id of the previous page, '' to start), $limit (int).
MATCH (r:Researcher)
WHERE r.id > $after
WITH r
ORDER BY r.id
LIMIT $limit
RETURN r.id AS id, COUNT { (r)-[:AUTHORED]->() } AS works
