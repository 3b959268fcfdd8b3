// Every relationship of the panel's types between the nodes of $lists.all_ids (a slice's nodes plus the ids a client
// already shows) that touches at least one node of $lists.returned_ids (the slice's own nodes).
// Degree-aware, per relationship type: a node with at most $expand_limit relationships of a type has that type
// expanded (reading only that type's relationships: Neo4j groups a dense node's relationships by type); an edge
// whose two ends both have more is checked pair by pair with Expand(Into). So a hub is never expanded in full:
// the author of 2,000 papers is never walked through his AUTHORED edges, they are found from the papers.
// Each edge comes with what it means in plain words: the works a COAUTHOR pair shares and their first and last
// year, an AUTHORED author's position. (Not a WORKS_ON topic's works: that property can be a long list of ids,
// and reading it for every edge made the query a quarter slower.)
// Params: $lists {all_ids, returned_ids} (lists inside a map: one cached plan whatever their sizes), $expand_limit.
CALL () {
  UNWIND $lists.all_ids AS x MATCH (n:Researcher {id: x}) RETURN n
  UNION ALL
  UNWIND $lists.all_ids AS x MATCH (n:Work {id: x}) RETURN n
  UNION ALL
  UNWIND $lists.all_ids AS x MATCH (n:Topic {id: x}) RETURN n
  UNION ALL
  UNWIND $lists.all_ids AS x MATCH (n:Institution {id: x}) RETURN n
}
WITH collect({
  n: n,
  authored: COUNT { (n)-[:AUTHORED]-() },
  coauthor: COUNT { (n)-[:COAUTHOR]-() },
  has_topic: COUNT { (n)-[:HAS_TOPIC]-() },
  works_on: COUNT { (n)-[:WORKS_ON]-() },
  affiliated: COUNT { (n)-[:AFFILIATED_WITH]-() },
  part_of: COUNT { (n)-[:PART_OF]-() },
  cites: COUNT { (n)-[:CITES]-() }
}) AS rows
CALL (rows) {
  UNWIND rows AS row
  WITH row WHERE row.authored <= $expand_limit
  WITH row.n AS a
  MATCH (a)-[r:AUTHORED]-(b)
  WHERE b.id IN $lists.all_ids AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  RETURN r
  UNION
  UNWIND rows AS row
  WITH row WHERE row.coauthor <= $expand_limit
  WITH row.n AS a
  MATCH (a)-[r:COAUTHOR]-(b)
  WHERE b.id IN $lists.all_ids AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  RETURN r
  UNION
  UNWIND rows AS row
  WITH row WHERE row.has_topic <= $expand_limit
  WITH row.n AS a
  MATCH (a)-[r:HAS_TOPIC]-(b)
  WHERE b.id IN $lists.all_ids AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  RETURN r
  UNION
  UNWIND rows AS row
  WITH row WHERE row.works_on <= $expand_limit
  WITH row.n AS a
  MATCH (a)-[r:WORKS_ON]-(b)
  WHERE b.id IN $lists.all_ids AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  RETURN r
  UNION
  UNWIND rows AS row
  WITH row WHERE row.affiliated <= $expand_limit
  WITH row.n AS a
  MATCH (a)-[r:AFFILIATED_WITH]-(b)
  WHERE b.id IN $lists.all_ids AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  RETURN r
  UNION
  UNWIND rows AS row
  WITH row WHERE row.part_of <= $expand_limit
  WITH row.n AS a
  MATCH (a)-[r:PART_OF]-(b)
  WHERE b.id IN $lists.all_ids AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  RETURN r
  UNION
  UNWIND rows AS row
  WITH row WHERE row.cites <= $expand_limit
  WITH row.n AS a
  MATCH (a)-[r:CITES]-(b)
  WHERE b.id IN $lists.all_ids AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  RETURN r
  UNION
  WITH [row IN rows WHERE row.authored > $expand_limit | row.n] AS big
  UNWIND big AS a
  UNWIND big AS b
  WITH a, b WHERE a <> b AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  MATCH (a)-[r:AUTHORED]->(b)
  RETURN r
  UNION
  WITH [row IN rows WHERE row.coauthor > $expand_limit | row.n] AS big
  UNWIND big AS a
  UNWIND big AS b
  WITH a, b WHERE a <> b AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  MATCH (a)-[r:COAUTHOR]->(b)
  RETURN r
  UNION
  WITH [row IN rows WHERE row.has_topic > $expand_limit | row.n] AS big
  UNWIND big AS a
  UNWIND big AS b
  WITH a, b WHERE a <> b AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  MATCH (a)-[r:HAS_TOPIC]->(b)
  RETURN r
  UNION
  WITH [row IN rows WHERE row.works_on > $expand_limit | row.n] AS big
  UNWIND big AS a
  UNWIND big AS b
  WITH a, b WHERE a <> b AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  MATCH (a)-[r:WORKS_ON]->(b)
  RETURN r
  UNION
  WITH [row IN rows WHERE row.affiliated > $expand_limit | row.n] AS big
  UNWIND big AS a
  UNWIND big AS b
  WITH a, b WHERE a <> b AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  MATCH (a)-[r:AFFILIATED_WITH]->(b)
  RETURN r
  UNION
  WITH [row IN rows WHERE row.part_of > $expand_limit | row.n] AS big
  UNWIND big AS a
  UNWIND big AS b
  WITH a, b WHERE a <> b AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  MATCH (a)-[r:PART_OF]->(b)
  RETURN r
  UNION
  WITH [row IN rows WHERE row.cites > $expand_limit | row.n] AS big
  UNWIND big AS a
  UNWIND big AS b
  WITH a, b WHERE a <> b AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  MATCH (a)-[r:CITES]->(b)
  RETURN r
}
WITH r, type(r) AS t
RETURN startNode(r).id AS source, endNode(r).id AS target, t AS type,
       CASE t
         WHEN 'COAUTHOR' THEN r.weight
         WHEN 'WORKS_ON' THEN r.weight
         WHEN 'HAS_TOPIC' THEN r.score
         WHEN 'AUTHORED' THEN r.confidence
         ELSE null
       END AS weight,
       CASE t
         WHEN 'COAUTHOR' THEN r {.shared_works, .first_year, .last_year}
         WHEN 'AUTHORED' THEN r {.position}
       END AS facts
ORDER BY type, source, target
