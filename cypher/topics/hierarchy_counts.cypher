// Topic nodes per scheme and level, and how many of them have a PART_OF parent (for `kg topics load`).
MATCH (t:Topic)
OPTIONAL MATCH (t)-[:PART_OF]->(p:Topic)
RETURN t.scheme AS scheme, t.level AS level, count(DISTINCT t) AS nodes, count(p) AS with_parent
ORDER BY scheme, level
