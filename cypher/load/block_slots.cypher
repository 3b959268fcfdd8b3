// Every author slot of the researchers in these blocking keys or with these ids, with the context identity
// weighs: the work's ids, year, venue, categories, source topics (never derived ones: clustering must not depend
// on whether the topic assigner has run yet), the names of its other authors (on works of at most
// $coauthor_cap authors), and the edge as stored (a slot whose resolution did not change is not written again).
CALL () {
  UNWIND $blocks AS b MATCH (r:Researcher) WHERE r.block_key = b RETURN r
  UNION
  UNWIND $ids AS x MATCH (r:Researcher {id: x}) RETURN r
}
MATCH (r)-[a:AUTHORED]->(w:Work)
RETURN r.id AS researcher, w.id AS work, w.ids AS work_ids, w.year AS year, w.venue AS venue,
       w.categories AS categories, properties(a) AS stored,
       COLLECT { MATCH (w)-[h:HAS_TOPIC]->(t:Topic) WHERE h.method = 'source' RETURN t.id } AS topics,
       CASE WHEN COUNT { (w)<-[:AUTHORED]-(:Researcher) } > $coauthor_cap THEN []
            ELSE COLLECT { MATCH (w)<-[b:AUTHORED]-(o:Researcher) WHERE o <> r RETURN b.raw_name } END AS coauthors
ORDER BY researcher, work
