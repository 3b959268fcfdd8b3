// Relationships the resolver no longer gives.
UNWIND $rows AS row
MATCH (a:__START__ {id: row.src})-[r:__TYPE__]->(b:__END__ {id: row.dst})
// seek the start node by its id for each row: on a small graph the planner may scan the whole index instead
USING INDEX a:__START__(id)
DELETE r
