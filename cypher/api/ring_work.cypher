// The next ring around works: per centre, its authors (in author order), topics (by HAS_TOPIC score) and the works
// it cites, then the works citing it (by id).
// Degree-aware: each branch reads at most $scan relationships of its centre, so a hub (a topic with 100,000 works,
// an author of 2,000 papers) is sampled, never expanded in full; each list is already capped at $fetch_<type>.
// Params: $lists {ids: centre ids, exclude: ids never returned} (lists inside a map keep one cached plan whatever
// their sizes), $fetch_researcher, $fetch_work, $fetch_topic, $fetch_institution (0 = not wanted), $scan.
UNWIND $lists.ids AS centre
MATCH (c:Work {id: centre})
RETURN c.id AS center,
  COLLECT {
    MATCH (c)<-[r:AUTHORED]-(n:Researcher) WHERE $fetch_researcher > 0 AND NOT n.id IN $lists.exclude
    WITH r, n LIMIT $scan
    WITH r, n ORDER BY coalesce(r.position, 2147483647) ASC, n.id ASC LIMIT $fetch_researcher
    RETURN n.id
  } AS researcher,
  COLLECT {
    MATCH (c)-[r:HAS_TOPIC]->(n:Topic) WHERE $fetch_topic > 0 AND NOT n.id IN $lists.exclude
    WITH r, n LIMIT $scan
    WITH r, n ORDER BY coalesce(r.score, 0.0) DESC, n.id ASC LIMIT $fetch_topic
    RETURN n.id
  } AS topic,
  COLLECT {
    MATCH (c)-[r:CITES]-(n:Work) WHERE $fetch_work > 0 AND NOT n.id IN $lists.exclude
    WITH CASE WHEN startNode(r) = c THEN 0 ELSE 1 END AS side, n LIMIT $scan
    WITH side, n ORDER BY side ASC, n.id ASC LIMIT $fetch_work
    RETURN n.id
  } AS work,
  [] AS institution
