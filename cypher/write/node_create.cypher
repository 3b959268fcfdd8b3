// New nodes of one label (the write stage knows they are not in the graph yet). __LABEL__ is filled from the
// write stage's table of labels (kg.resolve.tables.NODE_TABLES), never from input.
UNWIND $rows AS row
CREATE (n:__LABEL__ {id: row.id})
SET n += row.props, n.updated_at = datetime(), n.load_run = $run
