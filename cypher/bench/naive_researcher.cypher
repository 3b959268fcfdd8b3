// Benchmarks, naive loader baseline: one MERGE per author of a work.
MERGE (r:Researcher {id: $id})
SET r.name = $name, r.openalex_id = $openalex_id, r.sources = ['csv'], r.updated_at = datetime()
