// The one definition of "close collaborators": co-authors with at least $min_shared shared works, the top $top_k
// by COAUTHOR weight (ties broken by id). Settings: KG_CLOSE_MIN_SHARED_WORKS, KG_CLOSE_TOP_K.
// Params: $id (researcher id), $min_shared (int), $top_k (int).
MATCH (r:Researcher {id: $id})-[c:COAUTHOR]-(o:Researcher)
WHERE c.shared_works >= $min_shared
RETURN o.id AS id, o.name AS name, c.shared_works AS shared_works, c.weight AS weight,
       c.first_year AS first_year, c.last_year AS last_year, c.works AS works
ORDER BY c.weight DESC, o.id ASC
LIMIT $top_k
