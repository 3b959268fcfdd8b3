// Taxonomy nodes: MERGE each Topic by id with its name, scheme, level and keywords, then its PART_OF edge to the
// parent (a PART_OF to any other parent is removed, so a reload after a taxonomy change leaves one parent).
// $rows: [{id, name, scheme, level, keywords, parent}], the source name is the scheme ('openalex' | 'arxiv').
UNWIND $rows AS row
MERGE (t:Topic {id: row.id})
SET t.name = row.name,
    t.scheme = row.scheme,
    t.level = row.level,
    t.keywords = row.keywords,
    t.sources = CASE WHEN row.scheme IN coalesce(t.sources, []) THEN t.sources
                     ELSE coalesce(t.sources, []) + row.scheme END,
    t.updated_at = datetime(),
    t.load_run = coalesce($load_run, t.load_run)
WITH t, row
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
