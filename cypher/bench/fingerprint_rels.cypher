// Benchmarks: every relationship of one type with its ends' ids and its properties, to compare two graphs
// (__TYPE__ from kg.resolve.tables.REL_TABLES, never from input).
MATCH (a)-[r:__TYPE__]->(b) RETURN a.id AS src, b.id AS dst, properties(r) AS props
