// Topics a source attached to a work; the highest score any source gave wins, provenance is a sorted set
// (ties on the source go to the smallest name, so the load order never shows).
UNWIND $rows AS row
MATCH (w:Work {id: row.work})
MATCH (t:Topic {id: row.topic})
MERGE (w)-[h:HAS_TOPIC]->(t)
SET h.score = CASE WHEN h.score IS NULL OR row.score > h.score THEN row.score ELSE h.score END,
    h.method = 'source',
    h.evidence = CASE WHEN h.evidence IS NULL OR row.source < h.evidence THEN row.source ELSE h.evidence END,
    h.source = CASE WHEN h.source IS NULL OR row.source < h.source THEN row.source ELSE h.source END,
    h.record_refs = COLLECT { UNWIND coalesce(h.record_refs, []) + row.refs AS x RETURN DISTINCT x ORDER BY x LIMIT 5 },
    h.load_run = $run
