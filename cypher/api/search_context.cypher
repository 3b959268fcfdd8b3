// What tells search hits with the same name apart, for one page of hits: a researcher's most recent institution,
// top topic, works count and latest work (of the first 500); a work's first author, year, venue and citation count (as a source states it); a
// topic's broader topic, level, scheme and works count; an institution's country and researcher count.
// Counts are relationship degrees and every list is capped, so a hub costs no more than any node.
// Params: $lists {researcher_ids, work_ids, topic_ids, institution_ids} (lists inside a map: one cached plan).
CALL () {
  UNWIND $lists.researcher_ids AS x
  MATCH (n:Researcher {id: x})
  RETURN n.id AS id, {
    works: COUNT { (n)-[:AUTHORED]->() },
    institution: COLLECT {
      MATCH (n)-[a:AFFILIATED_WITH]->(i:Institution)
      WITH a, i LIMIT 100
      WITH i, reduce(m = 0, y IN coalesce(a.years, []) | CASE WHEN y > m THEN y ELSE m END) AS last
      ORDER BY last DESC, i.id ASC LIMIT 1
      RETURN i.name
    }[0],
    top_topic: COLLECT {
      MATCH (n)-[o:WORKS_ON]->(t:Topic)
      WITH o, t LIMIT 500
      WITH o, t ORDER BY coalesce(o.weight, 0.0) DESC, t.id ASC LIMIT 1
      RETURN t.name
    }[0],
    latest_work: COLLECT {
      MATCH (n)-[:AUTHORED]->(w:Work)
      WITH w LIMIT 500
      WITH w ORDER BY coalesce(w.year, 0) DESC, w.id ASC LIMIT 1
      RETURN {title: w.title, year: w.year}
    }[0]
  } AS context
  UNION ALL
  UNWIND $lists.work_ids AS x
  MATCH (n:Work {id: x})
  RETURN n.id AS id, {
    year: n.year, venue: n.venue, cited_by_count: n.cited_by_count,
    first_author: COLLECT {
      MATCH (n)<-[a:AUTHORED]-(r:Researcher)
      WITH a, r ORDER BY coalesce(a.position, 2147483647) ASC, r.id ASC LIMIT 1
      RETURN r.name
    }[0],
    authors: COUNT { (n)<-[:AUTHORED]-() }
  } AS context
  UNION ALL
  UNWIND $lists.topic_ids AS x
  MATCH (n:Topic {id: x})
  RETURN n.id AS id, {
    level: n.level, scheme: n.scheme,
    parent: COLLECT { MATCH (n)-[:PART_OF]->(p:Topic) WITH p ORDER BY p.id LIMIT 1 RETURN p.name }[0],
    works: COUNT { (n)<-[:HAS_TOPIC]-() }
  } AS context
  UNION ALL
  UNWIND $lists.institution_ids AS x
  MATCH (n:Institution {id: x})
  RETURN n.id AS id, {
    country_code: n.country_code,
    researchers: COUNT { (n)<-[:AFFILIATED_WITH]-() }
  } AS context
}
RETURN id, context
