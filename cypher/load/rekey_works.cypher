// A Work found to be the same paper as a better-keyed one: its topics and citations move to the surviving node,
// then it goes (its AUTHORED edges are rebuilt from the stored mentions by the resolver).
UNWIND $rows AS row
MATCH (old:Work {id: row.old})
MERGE (new:Work {id: row.new})
WITH old, new
CALL (old, new) {
  MATCH (old)-[r:HAS_TOPIC]->(t:Topic)
  MERGE (new)-[r2:HAS_TOPIC]->(t)
  SET r2.score = CASE WHEN r2.score IS NULL OR r.score > r2.score THEN r.score ELSE r2.score END,
      r2.method = coalesce(r2.method, r.method), r2.evidence = coalesce(r2.evidence, r.evidence),
      r2.source = coalesce(r2.source, r.source), r2.record_refs = coalesce(r2.record_refs, r.record_refs),
      r2.load_run = r.load_run
}
CALL (old, new) {
  MATCH (old)-[r:CITES]->(t:Work) WHERE t <> new
  MERGE (new)-[r2:CITES]->(t)
  SET r2.source = r.source, r2.record_refs = r.record_refs, r2.load_run = r.load_run
}
CALL (old, new) {
  MATCH (s:Work)-[r:CITES]->(old) WHERE s <> new
  MERGE (s)-[r2:CITES]->(new)
  SET r2.source = r.source, r2.record_refs = r.record_refs, r2.load_run = r.load_run
}
DETACH DELETE old
