// The current names of the researchers, topics and institutions stored suggestion reasons refer to by id (the
// stored reasons carry ids only; kg.discover.expand_all puts the names back for stored_suggestions and the API).
// Params: $lists {researcher_ids, topic_ids, institution_ids} (lists inside a map: one cached plan).
CALL () {
  UNWIND $lists.researcher_ids AS x
  MATCH (n:Researcher {id: x})
  RETURN n.id AS id, n.name AS name
  UNION ALL
  UNWIND $lists.topic_ids AS x
  MATCH (n:Topic {id: x})
  RETURN n.id AS id, n.name AS name
  UNION ALL
  UNWIND $lists.institution_ids AS x
  MATCH (n:Institution {id: x})
  RETURN n.id AS id, n.name AS name
}
RETURN id, name
