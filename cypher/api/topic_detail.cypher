// One topic with its broader topics, its narrower ones (at most $max_children, by id) and how many works and
// researchers carry it (relationship degrees: a topic with 100,000 works costs no more). Params: $id, $max_children.
MATCH (t:Topic {id: $id})
RETURN t {.id, .name, .scheme, .level, .keywords, .sources} AS topic,
       COLLECT {
         MATCH (t)-[:PART_OF]->(p:Topic)
         WITH p ORDER BY p.id LIMIT 10
         RETURN p {.id, .name, .level, .scheme}
       } AS parents,
       COLLECT {
         MATCH (t)<-[:PART_OF]-(c:Topic)
         WITH c ORDER BY c.id LIMIT $max_children
         RETURN c {.id, .name, .level, .scheme}
       } AS children,
       COUNT { (t)<-[:HAS_TOPIC]-() } AS works,
       COUNT { (t)<-[:WORKS_ON]-() } AS researchers,
       COUNT { (t)<-[:PART_OF]-() } AS children_count
