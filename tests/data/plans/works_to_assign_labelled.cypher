// The topic-assignment read as it was before it stalled a load (tests/test_query_plans.py): the :Topic patterns
// let the planner start from the Topic(level) index for a long id list.
// The text and graph context of the given works for topic assignment, and whether a source already gave them
// OpenAlex topics (HAS_TOPIC {method: $source} to a Topic of scheme $scheme): those keep their topics.
// Context, bounded per work: up to $context_limit cited works and, per author, up to $context_limit of their
// other works, each with its source topics (best score first, at most 3).
UNWIND $ids AS wid
MATCH (w:Work {id: wid})
CALL (w) {
  OPTIONAL MATCH (w)-[:CITES]->(c:Work)
  WHERE EXISTS { (c)-[:HAS_TOPIC {method: $source}]->(:Topic {scheme: $scheme, level: 'topic'}) }
  WITH c ORDER BY c.id LIMIT $context_limit
  CALL (c) {
    OPTIONAL MATCH (c)-[h:HAS_TOPIC {method: $source}]->(t:Topic {scheme: $scheme, level: 'topic'})
    WITH t, h ORDER BY h.score DESC, t.id LIMIT 3
    RETURN collect(t.id) AS topics
  }
  RETURN collect(CASE WHEN c IS NULL THEN NULL ELSE {id: c.id, topics: topics} END) AS cited
}
CALL (w) {
  OPTIONAL MATCH (w)<-[:AUTHORED]-(r:Researcher)
  CALL (r, w) {
    OPTIONAL MATCH (r)-[:AUTHORED]->(o:Work)
    WHERE o <> w AND EXISTS { (o)-[:HAS_TOPIC {method: $source}]->(:Topic {scheme: $scheme, level: 'topic'}) }
    WITH o ORDER BY o.id LIMIT $context_limit
    CALL (o) {
      OPTIONAL MATCH (o)-[h:HAS_TOPIC {method: $source}]->(t:Topic {scheme: $scheme, level: 'topic'})
      WITH t, h ORDER BY h.score DESC, t.id LIMIT 3
      RETURN collect(t.id) AS topics
    }
    RETURN collect(CASE WHEN o IS NULL THEN NULL ELSE {id: o.id, topics: topics} END) AS works
  }
  RETURN collect(CASE WHEN r IS NULL THEN NULL ELSE {id: r.id, works: works} END) AS authors
}
RETURN w.id AS id, w.title AS title, w.abstract AS abstract, w.venue AS venue, w.categories AS categories,
       cited, authors,
       EXISTS { (w)-[:HAS_TOPIC {method: $source}]->(:Topic {scheme: $scheme}) } AS has_source
ORDER BY id
