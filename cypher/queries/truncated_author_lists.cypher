// @title Works with truncated author lists
// @answers Which works came with a shortened author list (authors_truncated), how many authors the source
//   states, and how many are in the graph: their co-author links are incomplete. Largest gaps first.
// @group audit
// @param limit 50 -- at most this many works
// @returns id, title, year, author_count (as the source states), authors_in_graph, missing
MATCH (w:Work)
WHERE w.authors_truncated = true
WITH w, COUNT { (w)<-[:AUTHORED]-(:Researcher) } AS in_graph
RETURN w.id AS id, w.title AS title, w.year AS year, w.author_count AS author_count,
       in_graph AS authors_in_graph, w.author_count - in_graph AS missing
ORDER BY missing DESC, id
LIMIT $limit
