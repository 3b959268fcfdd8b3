// Works with their resolved properties (computed by the resolver from every record and node of the paper).
UNWIND $rows AS row
MERGE (w:Work {id: row.id})
SET w += row.props, w.updated_at = datetime(), w.load_run = $run
