// Rebuild each given researcher's topic profile: delete their WORKS_ON edges, then from every authored work
// spread one unit over the work's topics (schemes in $schemes) in proportion to the HAS_TOPIC scores (equal
// shares when no score), and write (r)-[:WORKS_ON {weight: sum of shares, works: works with the topic,
// top_works: works whose best topic (highest score, ties by topic id) it is}]->(t).
// The topics are reached from each work (a subquery, no :Topic label): planned as one pattern, a long id list
// made the planner scan every HAS_TOPIC edge per researcher.
UNWIND $ids AS rid
MATCH (r:Researcher {id: rid})
CALL (r) {
  MATCH (r)-[old:WORKS_ON]->(:Topic)
  DELETE old
}
CALL (r) {
  MATCH (r)-[:AUTHORED]->(w:Work)
  CALL (w) {
    MATCH (w)-[h:HAS_TOPIC]->(t)
    WHERE t.scheme IN $schemes
    RETURN t, coalesce(h.score, 0.0) AS score
  }
  WITH w, t, score
  ORDER BY w.id, score DESC, t.id
  WITH w, collect({topic: t, score: score}) AS hits
  WITH w, hits, reduce(total = 0.0, x IN hits | total + x.score) AS total
  UNWIND range(0, size(hits) - 1) AS i
  WITH w, hits[i].topic AS t, i = 0 AS top,
       CASE WHEN total > 0 THEN hits[i].score / total ELSE 1.0 / size(hits) END AS share
  WITH t, sum(share) AS weight, count(DISTINCT w) AS works, sum(CASE WHEN top THEN 1 ELSE 0 END) AS top_works
  MERGE (r)-[e:WORKS_ON]->(t)
  SET e.weight = round(weight, 4), e.works = works, e.top_works = top_works
  RETURN count(e) AS topics
}
RETURN count(CASE WHEN topics > 0 THEN r END) AS profiles, sum(topics) AS edges
