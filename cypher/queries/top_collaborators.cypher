// @title Top collaborators
// @answers Who a researcher's close collaborators are, by the project's one definition
//   (cypher/coauthors/close_collaborators.cypher): co-authors with at least $min_shared shared works, the top
//   $top_k by COAUTHOR weight, ties broken by id. The examples are the project's defaults
//   (KG_CLOSE_MIN_SHARED_WORKS=2, KG_CLOSE_TOP_K=10), as the API and discovery use them.
// @param id "openalex:A2" -- the researcher's id
// @param min_shared 2 -- at least this many shared works
// @param top_k 10 -- at most this many collaborators
// @returns id, name, shared_works, weight, first_year, last_year, works (a few work ids)
MATCH (r:Researcher {id: $id})-[c:COAUTHOR]-(o:Researcher)
WHERE c.shared_works >= $min_shared
RETURN o.id AS id, o.name AS name, c.shared_works AS shared_works, c.weight AS weight,
       c.first_year AS first_year, c.last_year AS last_year, c.works AS works
ORDER BY c.weight DESC, o.id ASC
LIMIT $top_k
