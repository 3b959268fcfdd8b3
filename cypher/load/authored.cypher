// One AUTHORED edge per author slot, with the mentions it was decided from.
UNWIND $rows AS row
MATCH (r:Researcher {id: row.researcher})
MATCH (w:Work {id: row.work})
MERGE (r)-[a:AUTHORED]->(w)
SET a += row.props, a.load_run = $run
