// Benchmarks: empty the graph in batches (used between runs on a Neo4j the bench does not own the files of).
MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
