// Relationships the resolver no longer gives.
UNWIND $rows AS row
MATCH (a:__START__ {id: row.src})-[r:__TYPE__]->(b:__END__ {id: row.dst})
// seek the start node by its id for each row. A plain index hint is met by a scan of the whole index too, and on
// some graphs the planner chose that (a 5,000-row batch then reads every Researcher): SEEK allows only the seek
USING INDEX SEEK a:__START__(id)
DELETE r
