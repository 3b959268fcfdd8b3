// Citations from the works of a batch to the cited works already here (OpenAlex ids, via the index).
UNWIND $rows AS row
MATCH (a:Work {id: row.id})
UNWIND row.references AS ref
MATCH (b:Work {openalex_id: ref}) WHERE b <> a
MERGE (a)-[c:CITES]->(b)
SET c.source = 'openalex', c.record_refs = row.refs, c.load_run = $run
