// Taxonomy edges: each Topic's PART_OF edge to its parent (a PART_OF to any other parent is removed, so a reload
// after a taxonomy change leaves one parent). The nodes are written first by write/topic_merge.
// $rows: [{id, parent}] (parent null: a root, its old edges removed).
UNWIND $rows AS row
MATCH (t:Topic {id: row.id})
CALL (t, row) {
  MATCH (t)-[old:PART_OF]->(p:Topic)
  WHERE row.parent IS NULL OR p.id <> row.parent
  DELETE old
}
WITH t, row
CALL (t, row) {
  MATCH (p:Topic {id: row.parent})
  MERGE (t)-[:PART_OF]->(p)
}
RETURN count(t) AS topics
