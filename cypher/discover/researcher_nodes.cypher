// One page of researchers in id order with their node's elementId. After discovery has read the graph it checks that
// every elementId it named an edge's other end by still names the same researcher: Neo4j reuses the ids of deleted
// nodes, and a load running meanwhile may delete one researcher and create another.
// Params: $after (the last id of the previous page, '' to start), $limit (int).
MATCH (r:Researcher)
WHERE r.id > $after
RETURN r.id AS id, elementId(r) AS node
ORDER BY r.id
LIMIT $limit
