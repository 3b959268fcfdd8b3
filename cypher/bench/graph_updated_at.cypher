// Benchmarks (bench/graph1m.py): the imported graph's nodes get the `updated_at` provenance stamp `kg load` sets,
// in batches of $batch nodes. Run in an auto-commit transaction (CALL … IN TRANSACTIONS). Params: $batch (int).
MATCH (n)
WHERE n:Work OR n:Researcher OR n:Institution
CALL (n) { SET n.updated_at = datetime() } IN TRANSACTIONS OF $batch ROWS
