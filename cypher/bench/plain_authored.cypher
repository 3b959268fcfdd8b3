// Benchmarks, the plain loader baseline (ids resolved beforehand): AUTHORED edges in UNWIND batches.
UNWIND $rows AS row
MATCH (r:Researcher {id: row.researcher})
MATCH (w:Work {id: row.work})
MERGE (r)-[a:AUTHORED]->(w)
SET a.position = row.position, a.raw_name = row.name, a.source = 'csv'
