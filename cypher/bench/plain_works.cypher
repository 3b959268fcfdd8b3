// Benchmarks, the plain loader baseline (ids resolved beforehand): works in UNWIND batches.
UNWIND $rows AS row
MERGE (w:Work {id: row.id})
SET w.title = row.title, w.year = row.year, w.sources = ['csv'], w.updated_at = datetime()
