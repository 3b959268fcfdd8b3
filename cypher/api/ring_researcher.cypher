// The next ring around researchers: per centre, its works, co-authors (precomputed COAUTHOR edges, never a live
// Researcher→Work→Researcher expansion), topics (WORKS_ON) and institutions, each in a fixed order (weight, then id);
// co-authors who meet the close-collaborator bar ($close_min_shared shared works) come first, so the close
// collaborators come before the rest.
// Degree-aware: each branch reads at most $scan relationships of its centre, so a hub (a topic with 100,000 works,
// an author of 2,000 papers) is sampled, never expanded in full; each list is already capped at $fetch_<type>.
// Params: $lists {ids: centre ids, exclude: ids never returned} (lists inside a map keep one cached plan whatever
// their sizes), $fetch_researcher, $fetch_work, $fetch_topic, $fetch_institution (0 = not wanted), $scan,
// $close_min_shared.
UNWIND $lists.ids AS centre
MATCH (c:Researcher {id: centre})
RETURN c.id AS center,
  COLLECT {
    // the most confident authorship first, then the most recent, then id
    MATCH (c)-[r:AUTHORED]->(n:Work) WHERE $fetch_work > 0 AND NOT n.id IN $lists.exclude
    WITH r, n LIMIT $scan
    WITH r, n ORDER BY coalesce(r.confidence, 1.0) DESC, coalesce(n.year, 0) DESC, n.id ASC LIMIT $fetch_work
    RETURN n.id
  } AS work,
  COLLECT {
    MATCH (c)-[r:COAUTHOR]-(n:Researcher) WHERE $fetch_researcher > 0 AND NOT n.id IN $lists.exclude
    WITH r, n LIMIT $scan
    WITH r, n
    ORDER BY CASE WHEN coalesce(r.shared_works, 0) >= $close_min_shared THEN 0 ELSE 1 END ASC,
             coalesce(r.weight, 0.0) DESC, n.id ASC
    LIMIT $fetch_researcher
    RETURN n.id
  } AS researcher,
  COLLECT {
    MATCH (c)-[r:WORKS_ON]->(n:Topic) WHERE $fetch_topic > 0 AND NOT n.id IN $lists.exclude
    WITH r, n LIMIT $scan
    WITH r, n ORDER BY coalesce(r.weight, 0.0) DESC, n.id ASC LIMIT $fetch_topic
    RETURN n.id
  } AS topic,
  COLLECT {
    MATCH (c)-[:AFFILIATED_WITH]->(n:Institution) WHERE $fetch_institution > 0 AND NOT n.id IN $lists.exclude
    WITH n LIMIT $scan
    WITH n ORDER BY n.id ASC LIMIT $fetch_institution
    RETURN n.id
  } AS institution
