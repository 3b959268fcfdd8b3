// Topics a source attached to a work; the highest score any source gave wins.
UNWIND $rows AS row
MATCH (w:Work {id: row.work})
MATCH (t:Topic {id: row.topic})
MERGE (w)-[h:HAS_TOPIC]->(t)
SET h.score = CASE WHEN h.score IS NULL OR row.score > h.score THEN row.score ELSE h.score END,
    h.method = 'source',
    h.evidence = row.source,
    h.source = row.source,
    h.load_run = $run
