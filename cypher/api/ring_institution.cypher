// The next ring around institutions: per centre, its affiliated researchers (by id).
// Degree-aware: each branch reads at most $scan relationships of its centre, so a hub (a topic with 100,000 works,
// an author of 2,000 papers) is sampled, never expanded in full; each list is already capped at $fetch_<type>.
// Params: $lists {ids: centre ids, exclude: ids never returned} (lists inside a map keep one cached plan whatever
// their sizes), $fetch_researcher, $fetch_work, $fetch_topic, $fetch_institution (0 = not wanted), $scan.
UNWIND $lists.ids AS centre
MATCH (c:Institution {id: centre})
RETURN c.id AS center,
  COLLECT {
    MATCH (c)<-[:AFFILIATED_WITH]-(n:Researcher) WHERE $fetch_researcher > 0 AND NOT n.id IN $lists.exclude
    WITH n LIMIT $scan
    WITH n ORDER BY n.id ASC LIMIT $fetch_researcher
    RETURN n.id
  } AS researcher,
  [] AS work, [] AS topic, [] AS institution
