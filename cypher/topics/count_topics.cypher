// How many Topic nodes of a scheme and level the graph holds.
MATCH (t:Topic)
WHERE t.scheme = $scheme AND t.level = $level
RETURN count(t) AS n
