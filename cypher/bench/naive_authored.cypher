// Benchmarks, naive loader baseline: one MERGE per authorship.
MATCH (r:Researcher {id: $researcher_id}), (w:Work {id: $work_id})
MERGE (r)-[a:AUTHORED]->(w)
SET a.position = $position, a.raw_name = $raw_name, a.source = 'csv'
