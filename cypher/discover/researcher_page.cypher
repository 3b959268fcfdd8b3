// One page of researchers in id order (keyset pagination on the unique index), with their open_to_collaborate flag.
// Params: $after (the last id of the previous page, '' to start), $limit (int).
MATCH (r:Researcher)
WHERE r.id > $after
RETURN r.id AS id, coalesce(r.open_to_collaborate, false) AS open
ORDER BY r.id
LIMIT $limit
