// Every author slot of the researchers in these blocking keys, with the context identity weighs: the work's
// ids, year, venue, categories, source topics (never derived ones: clustering must not depend on whether the
// topic assigner has run yet) and the names of its other authors.
MATCH (r:Researcher)-[a:AUTHORED]->(w:Work)
WHERE r.block_key IN $blocks
RETURN r.id AS researcher, w.id AS work, w.ids AS work_ids, w.year AS year, w.venue AS venue,
       w.categories AS categories, a.mentions AS mentions, a.record_refs AS record_refs,
       COLLECT { MATCH (w)-[h:HAS_TOPIC]->(t:Topic) WHERE h.method = 'source' RETURN t.id } AS topics,
       COLLECT { MATCH (w)<-[b:AUTHORED]-(o:Researcher) WHERE o <> r RETURN b.raw_name } AS coauthors
ORDER BY researcher, work
