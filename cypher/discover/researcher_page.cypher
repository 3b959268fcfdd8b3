// One page of researchers in id order (keyset pagination on the unique index), with name and open_to_collaborate.
// Params: $after (the last id of the previous page, '' to start), $limit (int).
MATCH (r:Researcher)
WHERE r.id > $after
RETURN r.id AS id, r.name AS name, coalesce(r.open_to_collaborate, false) AS open
ORDER BY r.id
LIMIT $limit
