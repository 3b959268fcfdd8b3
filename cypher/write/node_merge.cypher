// Changed nodes of one label: every resolved property is set (a null removes one the resolver no longer gives);
// properties other jobs set (keyphrases, …) stay.
UNWIND $rows AS row
MERGE (n:__LABEL__ {id: row.id})
SET n += row.props, n.updated_at = datetime(), n.load_run = $run
