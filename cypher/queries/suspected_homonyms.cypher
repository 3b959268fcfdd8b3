// @title Suspected homonyms
// @answers Which name keys are shared by several Researcher nodes, and what tells them apart: their works, main
//   topics, affiliations and the identity evidence that kept them separate.
// @group audit
// @param name_key null -- null for every shared name key, or one key such as "xue|rui"
// @param topics_per_researcher 3 -- how many of each researcher's main topics to show
// @param limit 25 -- at most this many name keys, the most crowded first
// @returns name_key, nodes, researchers (id, name, works, topics, institutions, identity_method,
//   identity_confidence, identity_evidence)
MATCH (r:Researcher)
WHERE r.name_key IS NOT NULL AND ($name_key IS NULL OR r.name_key = $name_key)
WITH r.name_key AS name_key, collect(r) AS people
WHERE size(people) > 1
UNWIND people AS r
CALL (r) {
  OPTIONAL MATCH (r)-[:AUTHORED]->(w:Work)-[:HAS_TOPIC]->(t:Topic)
  WITH t, count(DISTINCT w) AS n
  ORDER BY n DESC, t.name
  LIMIT $topics_per_researcher
  RETURN collect(t.name) AS topics
}
WITH name_key, size(people) AS nodes, r, topics
ORDER BY r.id
WITH name_key, nodes, collect({
  id: r.id,
  name: r.name,
  works: COUNT { (r)-[:AUTHORED]->(:Work) },
  topics: topics,
  institutions: COLLECT { MATCH (r)-[:AFFILIATED_WITH]->(i:Institution) RETURN i.name AS n ORDER BY n },
  identity_method: r.identity_method,
  identity_confidence: r.identity_confidence,
  identity_evidence: r.identity_evidence
}) AS researchers
RETURN name_key, nodes, researchers
ORDER BY nodes DESC, name_key
LIMIT $limit
