// The next ring around topics: per centre, its works (by HAS_TOPIC score, then the most recent), the researchers
// whose profile has it (by WORKS_ON weight), and its broader topics first, then its narrower ones (by id).
// Degree-aware: each branch reads at most $scan relationships of its centre, so a hub (a topic with 100,000 works,
// an author of 2,000 papers) is sampled, never expanded in full; each list is already capped at $fetch_<type>.
// Params: $lists {ids: centre ids, exclude: ids never returned} (lists inside a map keep one cached plan whatever
// their sizes), $fetch_researcher, $fetch_work, $fetch_topic, $fetch_institution (0 = not wanted), $scan.
UNWIND $lists.ids AS centre
MATCH (c:Topic {id: centre})
RETURN c.id AS center,
  COLLECT {
    MATCH (c)<-[r:HAS_TOPIC]-(n:Work) WHERE $fetch_work > 0 AND NOT n.id IN $lists.exclude
    WITH r, n LIMIT $scan
    WITH r, n ORDER BY coalesce(r.score, 0.0) DESC, coalesce(n.year, 0) DESC, n.id ASC LIMIT $fetch_work
    RETURN n.id
  } AS work,
  COLLECT {
    MATCH (c)<-[r:WORKS_ON]-(n:Researcher) WHERE $fetch_researcher > 0 AND NOT n.id IN $lists.exclude
    WITH r, n LIMIT $scan
    WITH r, n ORDER BY coalesce(r.weight, 0.0) DESC, n.id ASC LIMIT $fetch_researcher
    RETURN n.id
  } AS researcher,
  COLLECT {
    MATCH (c)-[r:PART_OF]-(n:Topic) WHERE $fetch_topic > 0 AND NOT n.id IN $lists.exclude
    WITH CASE WHEN startNode(r) = c THEN 0 ELSE 1 END AS side, n LIMIT $scan
    WITH side, n ORDER BY side ASC, n.id ASC LIMIT $fetch_topic
    RETURN n.id
  } AS topic,
  [] AS institution
