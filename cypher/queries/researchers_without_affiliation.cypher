// @title Researchers without an affiliation
// @answers Which researchers have no AFFILIATED_WITH link, and whether the source had none ('unknown') or it was
//   not imported ('not_imported'): the most prolific first, since they matter most to the panel.
// @group audit
// @param limit 50 -- at most this many researchers
// @returns id, name, affiliation_status, works, sources
MATCH (r:Researcher)
WHERE NOT (r)-[:AFFILIATED_WITH]->(:Institution)
WITH r, COUNT { (r)-[:AUTHORED]->(:Work) } AS works
RETURN r.id AS id, r.name AS name, r.affiliation_status AS affiliation_status, works, r.sources AS sources
ORDER BY works DESC, id
LIMIT $limit
