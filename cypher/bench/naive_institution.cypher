// Benchmarks, naive loader baseline: one MERGE per institution mention and one per affiliation.
MERGE (i:Institution {id: $institution_id})
SET i.name = $name, i.sources = ['csv'], i.updated_at = datetime()
WITH i
MATCH (r:Researcher {id: $researcher_id})
MERGE (r)-[f:AFFILIATED_WITH]->(i)
SET f.source = 'csv'
