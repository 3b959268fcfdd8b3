// Relationships of a per-source type (AFFILIATED_WITH) the resolver no longer gives for that source.
UNWIND $rows AS row
MATCH (a:__START__ {id: row.src})-[r:__TYPE__]->(b:__END__ {id: row.dst})
WHERE r.source = row.source
DELETE r
