// @title A researcher's neighbourhood
// @answers What sits one hop around a researcher: their latest works, their co-authors (most shared works first),
//   their institutions, and the topics of their works (most works first), each list capped at $limit.
// @param id "orcid:0000-0001-0000-0001" -- the researcher's id
// @param limit 10 -- at most this many items in each list
// @returns id, name, works (id, title, year), coauthors (id, name, shared_works), institutions (id, name),
//   topics (id, name, works)
MATCH (r:Researcher {id: $id})
RETURN r.id AS id, r.name AS name,
       COLLECT {
         MATCH (r)-[:AUTHORED]->(w:Work)
         WITH w ORDER BY w.year DESC, w.id LIMIT $limit
         RETURN {id: w.id, title: w.title, year: w.year}
       } AS works,
       COLLECT {
         MATCH (r)-[c:COAUTHOR]-(o:Researcher)
         WITH o, c ORDER BY c.shared_works DESC, o.id LIMIT $limit
         RETURN {id: o.id, name: o.name, shared_works: c.shared_works}
       } AS coauthors,
       COLLECT {
         MATCH (r)-[:AFFILIATED_WITH]->(i:Institution)
         WITH i ORDER BY i.name, i.id LIMIT $limit
         RETURN {id: i.id, name: i.name}
       } AS institutions,
       COLLECT {
         MATCH (r)-[:AUTHORED]->(w:Work)-[:HAS_TOPIC]->(t:Topic)
         WITH t, count(DISTINCT w) AS works ORDER BY works DESC, t.id LIMIT $limit
         RETURN {id: t.id, name: t.name, works: works}
       } AS topics
