// The works of a researcher that enrichment can add to: known only by title (a title id) or with no author but
// this researcher (a profile's list gives no co-authors). The researcher's name is what a match must list.
MATCH (r:Researcher {id: $id})-[:AUTHORED]->(w:Work)
WITH r, w, COUNT { (w)<-[:AUTHORED]-() } AS authors
WHERE w.id STARTS WITH 'title:' OR authors <= 1
RETURN w.id AS id, w.title AS title, w.year AS year, w.doi AS doi, w.arxiv_id AS arxiv, r.name AS person
ORDER BY w.year DESC, w.id
