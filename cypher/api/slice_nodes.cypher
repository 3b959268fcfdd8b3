// The nodes of a slice with a few display fields each and their degree: relationships of the panel's types
// (counted from the relationship store, so a hub costs no more than any node).
// Params: $lists {researcher_ids, work_ids, topic_ids, institution_ids} (lists inside a map: one cached plan).
CALL () {
  UNWIND $lists.researcher_ids AS x
  MATCH (n:Researcher {id: x})
  RETURN n, 'researcher' AS type, n.name AS label,
         {headline: n.headline, trust_score: n.trust_score, verification_level: n.verification_level} AS fields
  UNION ALL
  UNWIND $lists.work_ids AS x
  MATCH (n:Work {id: x})
  RETURN n, 'work' AS type, n.title AS label,
         {year: n.year, venue: n.venue, type: n.type, doi: n.doi, arxiv_id: n.arxiv_id,
          cited_by_count: n.cited_by_count} AS fields
  UNION ALL
  UNWIND $lists.topic_ids AS x
  MATCH (n:Topic {id: x})
  RETURN n, 'topic' AS type, n.name AS label, {level: n.level, scheme: n.scheme} AS fields
  UNION ALL
  UNWIND $lists.institution_ids AS x
  MATCH (n:Institution {id: x})
  RETURN n, 'institution' AS type, n.name AS label, {country_code: n.country_code, type: n.type} AS fields
}
RETURN n.id AS id, type, label, fields,
       COUNT { (n)-[:AUTHORED|COAUTHOR|HAS_TOPIC|WORKS_ON|AFFILIATED_WITH|PART_OF|CITES]-() } AS degree
