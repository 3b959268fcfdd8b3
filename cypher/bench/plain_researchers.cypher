// Benchmarks, the plain loader baseline (ids resolved beforehand): researchers in UNWIND batches.
UNWIND $rows AS row
MERGE (r:Researcher {id: row.id})
SET r.name = row.name, r.sources = ['csv'], r.updated_at = datetime()
