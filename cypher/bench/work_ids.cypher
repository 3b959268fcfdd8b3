// Benchmarks (identity_eval): every work id, in order.
MATCH (w:Work) RETURN w.id AS id ORDER BY id
