// Replace researchers' topic profiles with rows computed from the stage (kg.derive.topic_profiles, the semantics of
// topics/refresh_works_on): delete each researcher's WORKS_ON edges, then create the given ones. Write-only.
// $rows: [{id, topics: [{id, weight, works, top_works}]}]
UNWIND $rows AS row
MATCH (r:Researcher {id: row.id})
CALL (r) {
  MATCH (r)-[old:WORKS_ON]->(:Topic)
  DELETE old
}
CALL (r, row) {
  UNWIND row.topics AS tp
  MATCH (t:Topic {id: tp.id})
  CREATE (r)-[e:WORKS_ON]->(t)
  SET e.weight = tp.weight, e.works = tp.works, e.top_works = tp.top_works
  RETURN count(e) AS topics
}
RETURN count(CASE WHEN topics > 0 THEN r END) AS profiles, sum(topics) AS edges
