// Benchmarks: the panel's supernodes, the researchers with the highest degree over the relationship types a slice
// reads (AUTHORED, COAUTHOR, WORKS_ON, AFFILIATED_WITH; from the degree store, so the scan is cheap), ties by id.
// Params: $limit (int).
MATCH (r:Researcher)
WITH r, COUNT { (r)-[:AUTHORED|COAUTHOR|WORKS_ON|AFFILIATED_WITH]-() } AS degree
ORDER BY degree DESC, r.id
LIMIT $limit
RETURN r.id AS id, degree, COUNT { (r)-[:AUTHORED]->() } AS works, COUNT { (r)-[:COAUTHOR]-() } AS coauthors
