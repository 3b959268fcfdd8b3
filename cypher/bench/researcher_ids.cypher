// Benchmarks (identity_eval): every researcher id, in order.
MATCH (r:Researcher) RETURN r.id AS id ORDER BY id
