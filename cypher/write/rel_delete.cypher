// Relationships the resolver no longer gives.
UNWIND $rows AS row
MATCH (a:__START__ {id: row.src})-[r:__TYPE__]->(b:__END__ {id: row.dst})
DELETE r
