// COAUTHOR for the pairs that touch the researchers $ids, each written once, from the lower id to the higher id.
// A pair (a, b) with a in $ids is written from a's side when a.id < b.id; with $all_lower = false (update_for) also
// when b is not in $touched, so a pair is written exactly once whichever side the batch covers.
// A work makes pairs only if its author count (the larger of its AUTHORED edges and author_count, since lists can be
// truncated) is at most $cap. weight = Σ 1/(n−1) with n = the work's AUTHORED edges in the graph; works = up to 5
// work ids, most recent first (no year last), then by id. Rows are ordered before aggregating, so the float sum runs
// in the same order whichever way (rebuild or update) the pair is computed.
// Params: $ids, $touched (researcher ids), $all_lower (bool), $cap (int).
UNWIND $ids AS rid
MATCH (a:Researcher {id: rid})-[:AUTHORED]->(w:Work)
WITH DISTINCT a, w
WITH a, w, COUNT { (w)<-[:AUTHORED]-() } AS n
WHERE n >= 2 AND (CASE WHEN coalesce(w.author_count, 0) > n THEN w.author_count ELSE n END) <= $cap
MATCH (w)<-[:AUTHORED]-(b:Researcher)
WHERE b.id <> a.id AND (a.id < b.id OR (NOT $all_lower AND NOT b.id IN $touched))
WITH DISTINCT a, b, w, n
WITH CASE WHEN a.id < b.id THEN a ELSE b END AS lo, CASE WHEN a.id < b.id THEN b ELSE a END AS hi, w, n
ORDER BY lo.id, hi.id, coalesce(w.year, -1000000) DESC, w.id
WITH lo, hi, count(w) AS shared_works, sum(1.0 / (n - 1)) AS weight, min(w.year) AS first_year,
     max(w.year) AS last_year, collect(w.id) AS works
CREATE (lo)-[c:COAUTHOR {shared_works: shared_works, weight: weight, first_year: first_year,
                         last_year: last_year, works: works[..5]}]->(hi)
RETURN count(c) AS written
