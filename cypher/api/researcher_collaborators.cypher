// One page of a researcher's co-authors (precomputed COAUTHOR edges, read undirected), strongest first, then by
// id; keyset pagination after ($after_weight, $after_id). Params: $id, $after_weight, $after_id, $limit.
MATCH (:Researcher {id: $id})-[c:COAUTHOR]-(o:Researcher)
WITH c, o, coalesce(toFloat(c.weight), 0.0) AS w
WHERE $after_id IS NULL OR w < $after_weight OR (w = $after_weight AND o.id > $after_id)
RETURN o.id AS id, o.name AS name, c.shared_works AS shared_works, c.weight AS weight,
       c.first_year AS first_year, c.last_year AS last_year, c.works AS works, w AS sort_weight
ORDER BY w DESC, o.id ASC
LIMIT $limit
