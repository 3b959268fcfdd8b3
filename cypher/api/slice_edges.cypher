// Every relationship of the panel's types between the nodes of $lists.all_ids (a slice's nodes plus the ids a client
// already shows) that touches at least one node of $lists.returned_ids (the slice's own nodes). Degree-aware: a node
// with at most $expand_limit such relationships is expanded (every edge to or from a hub is found from its other,
// smaller end); only pairs of two hubs are checked with Expand(Into); so a hub is never expanded in full.
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
WITH n, COUNT { (n)-[:AUTHORED|COAUTHOR|HAS_TOPIC|WORKS_ON|AFFILIATED_WITH|PART_OF|CITES]-() } > $expand_limit AS hub
WITH collect(CASE WHEN hub THEN n END) AS hubs, collect(CASE WHEN NOT hub THEN n END) AS small
CALL (hubs, small) {
  UNWIND small AS a
  MATCH (a)-[r:AUTHORED|COAUTHOR|HAS_TOPIC|WORKS_ON|AFFILIATED_WITH|PART_OF|CITES]-(b)
  WHERE b.id IN $lists.all_ids AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  RETURN r
  UNION
  UNWIND hubs AS a
  UNWIND hubs AS b
  WITH a, b WHERE elementId(a) < elementId(b) AND (a.id IN $lists.returned_ids OR b.id IN $lists.returned_ids)
  MATCH (a)-[r:AUTHORED|COAUTHOR|HAS_TOPIC|WORKS_ON|AFFILIATED_WITH|PART_OF|CITES]-(b)
  RETURN r
}
RETURN startNode(r).id AS source, endNode(r).id AS target, type(r) AS type,
       CASE type(r)
         WHEN 'COAUTHOR' THEN r.weight
         WHEN 'WORKS_ON' THEN r.weight
         WHEN 'HAS_TOPIC' THEN r.score
         WHEN 'AUTHORED' THEN r.confidence
         ELSE null
       END AS weight
ORDER BY type, source, target
