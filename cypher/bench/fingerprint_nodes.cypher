// Benchmarks: every node of one label with its properties, to compare two graphs (__LABEL__ from
// kg.resolve.tables.NODE_TABLES, never from input).
MATCH (n:__LABEL__) RETURN n.id AS id, properties(n) AS props
