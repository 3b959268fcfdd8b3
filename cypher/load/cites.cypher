// Citations both ways for the works of a batch: to the cited works already here, and from works already here
// that cite them (so the edges do not depend on which of the two was loaded first).
UNWIND $rows AS row
MATCH (a:Work {id: row.id})
CALL (a, row) {
  UNWIND row.references AS ref
  MATCH (b:Work {openalex_id: ref}) WHERE b <> a
  MERGE (a)-[c:CITES]->(b)
  SET c.source = 'openalex', c.record_refs = row.refs, c.load_run = $run
}
CALL (a, row) {
  WITH a, row WHERE row.openalex IS NOT NULL
  MATCH (b:Work) WHERE row.openalex IN b.references AND b <> a
  MERGE (b)-[c:CITES]->(a)
  SET c.source = 'openalex', c.record_refs = b.record_refs, c.load_run = $run
}
