// @title Experts on a topic
// @answers Who has written most on a topic, counting the works tagged with the topic itself or with any topic
//   under it in the taxonomy (PART_OF, any depth), and through which of those topics.
// @param topic "openalex:field:17" -- a Topic id: a domain, field, subfield, topic, or an arXiv category
// @param min_works 2 -- only researchers with at least this many works on it
// @param limit 10 -- at most this many researchers
// @returns id, name, works (distinct works on the topic or its subtopics), via (the topic names they came through)
MATCH (t:Topic {id: $topic})
MATCH (s:Topic)-[:PART_OF*0..]->(t)
WITH collect(DISTINCT s) AS scope
UNWIND scope AS s
MATCH (s)<-[:HAS_TOPIC]-(w:Work)<-[:AUTHORED]-(r:Researcher)
WITH scope, r, count(DISTINCT w) AS works
WHERE works >= $min_works
RETURN r.id AS id, r.name AS name, works,
       COLLECT {
         MATCH (r)-[:AUTHORED]->(:Work)-[:HAS_TOPIC]->(s:Topic)
         WHERE s IN scope
         RETURN DISTINCT s.name AS name ORDER BY name
       } AS via
ORDER BY works DESC, id
LIMIT $limit
