// One page of researcher ids in id order (keyset pagination on the unique index): rebuild walks every researcher.
// Params: $after (the last id of the previous page, '' to start), $limit (int).
MATCH (r:Researcher)
WHERE r.id > $after
RETURN r.id AS id
ORDER BY r.id
LIMIT $limit
