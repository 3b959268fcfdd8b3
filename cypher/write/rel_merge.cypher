// Changed relationships of one type (or any, after an interrupted write): found or made, then set.
UNWIND $rows AS row
MATCH (a:__START__ {id: row.src})
MATCH (b:__END__ {id: row.dst})
MERGE (a)-[r:__TYPE__]->(b)
SET r += row.props, r.load_run = $run
