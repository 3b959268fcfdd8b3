// Benchmarks (identity_eval): every AUTHORED edge as (researcher id, work id), in order.
MATCH (r:Researcher)-[:AUTHORED]->(w:Work)
RETURN r.id AS r, w.id AS w ORDER BY r, w
