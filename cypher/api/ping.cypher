// Readiness: Neo4j answers a read in this database.
RETURN 1 AS ok
