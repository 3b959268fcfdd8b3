// Changed relationships of a type kept once per source saying so (AFFILIATED_WITH): found or made, then set.
UNWIND $rows AS row
MATCH (a:__START__ {id: row.src})
MATCH (b:__END__ {id: row.dst})
MERGE (a)-[r:__TYPE__ {source: row.props.source}]->(b)
SET r += row.props, r.load_run = $run
