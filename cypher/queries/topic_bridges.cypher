// @title Who bridges two topics
// @answers Which researchers have works in both of two topics (each with its subtopics via PART_OF): the
//   people who could carry ideas from one to the other. Works tagged with both count first, then the smaller
//   side, then all their works on either side.
// @param topic_a "openalex:subfield:1702" -- the first Topic id
// @param topic_b "openalex:subfield:1707" -- the second Topic id
// @param limit 10 -- at most this many researchers
// @returns id, name, works_a, works_b, works_both (works tagged with both sides)
MATCH (ta:Topic {id: $topic_a}), (tb:Topic {id: $topic_b})
MATCH (r:Researcher)-[:AUTHORED]->(wa:Work)-[:HAS_TOPIC]->(:Topic)-[:PART_OF*0..]->(ta)
WITH tb, r, collect(DISTINCT wa) AS side_a
MATCH (r)-[:AUTHORED]->(wb:Work)-[:HAS_TOPIC]->(:Topic)-[:PART_OF*0..]->(tb)
WITH r, side_a, collect(DISTINCT wb) AS side_b
WITH r, size(side_a) AS works_a, size(side_b) AS works_b, size([w IN side_a WHERE w IN side_b]) AS works_both
RETURN r.id AS id, r.name AS name, works_a, works_b, works_both
ORDER BY works_both DESC, CASE WHEN works_a < works_b THEN works_a ELSE works_b END DESC,
         works_a + works_b DESC, id
LIMIT $limit
