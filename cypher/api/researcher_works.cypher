// One page of a researcher's works, the most recent first, then by id; keyset pagination after
// ($after_year, $after_id) (both null for the first page). Each work comes with its first $max_authors author names
// in author order (what a citation or an export needs). Params: $id, $after_year, $after_id, $limit, $max_authors.
MATCH (:Researcher {id: $id})-[a:AUTHORED]->(w:Work)
WITH a, w, coalesce(w.year, -1) AS y
WHERE $after_id IS NULL OR y < $after_year OR (y = $after_year AND w.id > $after_id)
WITH a, w, y
ORDER BY y DESC, w.id ASC
LIMIT $limit
RETURN w.id AS id, w.title AS title, w.year AS year, w.type AS type, w.venue AS venue, w.doi AS doi,
       w.arxiv_id AS arxiv_id, w.author_count AS author_count, w.cited_by_count AS cited_by_count,
       w.pdf_url AS pdf_url, a.position AS position, y AS sort_year,
       COLLECT {
         MATCH (w)<-[b:AUTHORED]-(r:Researcher)
         WITH b, r ORDER BY coalesce(b.position, 2147483647) ASC, r.id ASC LIMIT $max_authors
         RETURN r.name
       } AS authors,
       COUNT { (w)<-[:AUTHORED]-() } AS author_edges
ORDER BY sort_year DESC, id ASC
