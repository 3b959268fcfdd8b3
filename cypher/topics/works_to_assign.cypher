// The text of the given works for topic assignment, and whether a source already gave them OpenAlex topics
// (HAS_TOPIC {method: $source} to a Topic of scheme $scheme): those keep their topics and are not assigned.
UNWIND $ids AS wid
MATCH (w:Work {id: wid})
RETURN w.id AS id, w.title AS title, w.abstract AS abstract, w.categories AS categories,
       EXISTS { (w)-[:HAS_TOPIC {method: $source}]->(:Topic {scheme: $scheme}) } AS has_source
ORDER BY id
