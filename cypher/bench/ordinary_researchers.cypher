// Benchmarks: the pool ordinary researchers are sampled from: every researcher with $low..$high works (the typical
// productivity band), with their degree; bench/panel.py keeps a deterministic hash-spread sample of them (the
// smallest sha1 of the id), so the sample is not the first ids in id order. Params: $low, $high (int).
MATCH (r:Researcher)
WITH r, COUNT { (r)-[:AUTHORED]->() } AS works
WHERE $low <= works <= $high
RETURN r.id AS id, works, COUNT { (r)-[:AUTHORED|COAUTHOR|WORKS_ON|AFFILIATED_WITH]-() } AS degree,
       COUNT { (r)-[:COAUTHOR]-() } AS coauthors
