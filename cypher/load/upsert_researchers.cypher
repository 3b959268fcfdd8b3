// Researchers with their resolved properties, identity method, confidence and evidence.
UNWIND $rows AS row
MERGE (r:Researcher {id: row.id})
SET r += row.props, r.updated_at = datetime(), r.load_run = $run
