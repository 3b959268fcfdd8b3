// Benchmarks: wait until every index is online (population after an import can take minutes at 1M works).
// Params: $seconds (int).
CALL db.awaitIndexes($seconds)
