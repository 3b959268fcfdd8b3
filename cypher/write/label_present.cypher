// Whether the graph holds any node of one label (__LABEL__ comes from kg.resolve.tables.NODE_TABLES): a label the
// graph lacks is written with CREATE even when the stage knows nothing of the graph.
OPTIONAL MATCH (n:__LABEL__) WITH n LIMIT 1 RETURN n IS NOT NULL AS present
