// Well-connected researchers to open first: at least $min_works works and $min_coauthors co-authors, most works
// first, then most co-authors, ties by id. Both counts are relationship degrees (no neighbour is read).
// Params: $min_works, $min_coauthors, $limit.
MATCH (r:Researcher)
WITH r, COUNT { (r)-[:AUTHORED]->() } AS works
WHERE works >= $min_works
WITH r, works, COUNT { (r)-[:COAUTHOR]-() } AS coauthors
WHERE coauthors >= $min_coauthors
RETURN r.id AS id, r.name AS name, works, coauthors, COUNT { (r)-[:AFFILIATED_WITH]->() } AS institutions,
       COUNT { (r)-[:WORKS_ON]->() } AS topics
ORDER BY works DESC, coauthors DESC, id ASC
LIMIT $limit
