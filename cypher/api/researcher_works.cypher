// One page of a researcher's works, the most recent first, then by id; keyset pagination after
// ($after_year, $after_id) (both null for the first page). Params: $id, $after_year, $after_id, $limit.
MATCH (:Researcher {id: $id})-[a:AUTHORED]->(w:Work)
WITH a, w, coalesce(w.year, -1) AS y
WHERE $after_id IS NULL OR y < $after_year OR (y = $after_year AND w.id > $after_id)
RETURN w.id AS id, w.title AS title, w.year AS year, w.type AS type, w.venue AS venue, w.doi AS doi,
       w.arxiv_id AS arxiv_id, w.author_count AS author_count, a.position AS position, y AS sort_year
ORDER BY y DESC, w.id ASC
LIMIT $limit
