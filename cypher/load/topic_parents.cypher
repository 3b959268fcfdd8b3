// The taxonomy: topic → subfield → field → domain.
UNWIND $rows AS row
MATCH (c:Topic {id: row.child})
MATCH (p:Topic {id: row.parent})
MERGE (c)-[e:PART_OF]->(p)
SET e.source = row.source, e.record_refs = row.refs, e.load_run = $run
