// Whether the graph holds any relationship of one type (__TYPE__ comes from kg.resolve.tables.REL_TABLES).
OPTIONAL MATCH ()-[r:__TYPE__]->() WITH r LIMIT 1 RETURN r IS NOT NULL AS present
