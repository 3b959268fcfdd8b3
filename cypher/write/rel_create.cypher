// New relationships of one type between nodes already written. __TYPE__, __START__ and __END__ come from the write
// stage's table of relationship types (kg.resolve.tables.REL_TABLES), never from input.
UNWIND $rows AS row
MATCH (a:__START__ {id: row.src})
MATCH (b:__END__ {id: row.dst})
CREATE (a)-[r:__TYPE__]->(b)
SET r += row.props, r.load_run = $run
