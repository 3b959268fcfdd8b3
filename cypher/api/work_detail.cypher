// One work with its authors (in author order, at most $max_authors), topics, the works it cites and the works
// citing it (the newest first, at most $max_citations each) and its relationship counts.
// Params: $id, $max_authors, $max_citations.
MATCH (w:Work {id: $id})
RETURN w {.id, .title, .abstract, .year, .type, .venue, .doi, .arxiv_id, .openalex_id, .author_count,
          .authors_truncated, .categories, .has_code, .upvotes, .score, .keyphrases, .sources, .cited_by_count,
          .pdf_url, date: toString(w.date)} AS work,
       COLLECT {
         MATCH (w)<-[a:AUTHORED]-(r:Researcher)
         WITH a, r ORDER BY coalesce(a.position, 2147483647) ASC, r.id ASC LIMIT $max_authors
         RETURN {id: r.id, name: r.name, position: a.position}
       } AS authors,
       COLLECT {
         MATCH (w)-[h:HAS_TOPIC]->(t:Topic)
         WITH h, t ORDER BY coalesce(h.score, 0.0) DESC, t.id ASC LIMIT 100
         RETURN {id: t.id, name: t.name, level: t.level, scheme: t.scheme, score: h.score, method: h.method}
       } AS topics,
       COLLECT {
         MATCH (w)-[:CITES]->(c:Work)
         WITH c ORDER BY coalesce(c.year, 0) DESC, c.id ASC LIMIT $max_citations
         RETURN {id: c.id, title: c.title, year: c.year}
       } AS cites_list,
       COLLECT {
         MATCH (w)<-[:CITES]-(c:Work)
         WITH c ORDER BY coalesce(c.year, 0) DESC, c.id ASC LIMIT $max_citations
         RETURN {id: c.id, title: c.title, year: c.year}
       } AS cited_by_list,
       COUNT { (w)<-[:AUTHORED]-() } AS author_edges,
       COUNT { (w)-[:HAS_TOPIC]->() } AS topic_edges,
       COUNT { (w)-[:CITES]->() } AS cites,
       COUNT { (w)<-[:CITES]-() } AS cited_by
