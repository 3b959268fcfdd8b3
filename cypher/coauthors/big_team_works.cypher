// Researcher.big_team_works: how many of the researcher's works have more authors than $cap (the larger of AUTHORED
// edges and author_count) and so made no COAUTHOR clique. Set on every researcher in $ids, 0 included.
// Params: $ids (researcher ids), $cap (int).
UNWIND $ids AS rid
MATCH (a:Researcher {id: rid})
OPTIONAL MATCH (a)-[:AUTHORED]->(w:Work)
WITH a, w, CASE WHEN w IS NULL THEN 0 ELSE COUNT { (w)<-[:AUTHORED]-() } END AS n
WITH a, count(DISTINCT CASE WHEN (CASE WHEN coalesce(w.author_count, 0) > n THEN w.author_count ELSE n END) > $cap
                            THEN w END) AS big
SET a.big_team_works = big
RETURN sum(big) AS big_team_works
