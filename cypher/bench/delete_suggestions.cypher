// Benchmarks: remove every SUGGESTED_COLLABORATOR edge in batches (so a timed `kg discover` starts from the same
// empty state as the first run). Run in an auto-commit transaction. Params: $batch (int).
MATCH (:Researcher)-[s:SUGGESTED_COLLABORATOR]->()
CALL (s) { DELETE s } IN TRANSACTIONS OF $batch ROWS
