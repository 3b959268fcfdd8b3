// One page of researchers in id order (keyset pagination on the unique index), with name, open_to_collaborate
// and the digest of the suggestions stored for them (a re-run rewrites only those whose digest changes), and the
// node's elementId (edges_page names the other ends of edges by it: no property read per edge).
// Params: $after (the last id of the previous page, '' to start), $limit (int).
MATCH (r:Researcher)
WHERE r.id > $after
RETURN r.id AS id, r.name AS name, coalesce(r.open_to_collaborate, false) AS open,
       r.suggested_digest AS digest, elementId(r) AS node
ORDER BY r.id
LIMIT $limit
