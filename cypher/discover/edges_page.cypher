// Discovery's input for one page of researchers, as ONE row of flat, aligned columns (no list per researcher or
// per edge: the client decodes and maps plain lists of strings and numbers). Each researcher is found once by id;
// k is its position in $ids. Outgoing COAUTHOR (each pair once, lower → higher id) and outgoing SAME_AS (each
// stored edge once) name the other researcher by elementId (researcher_page's `node`): reading b.id for each of
// 17M edges was a third of Neo4j's time. The year a pair first wrote together only with $first_years (training
// needs it, ranking does not: reading a relationship property per edge was another third; without it the column is
// empty). WORKS_ON topic weights, AFFILIATED_WITH institutions, one year and venue per authored work. Every value
// a column keeps is non-null (collect drops nulls, which would shift a column): a missing or non-integer year is
// -1, a missing or non-string venue ''.
// Params: $ids (researcher ids), $first_years (boolean).
UNWIND range(0, size($ids) - 1) AS k
MATCH (a:Researcher {id: $ids[k]})
WITH collect([k, a]) AS found
CALL (found) {
  UNWIND found AS x
  WITH x[0] AS k, x[1] AS a
  MATCH (a)-[c:COAUTHOR]->(b:Researcher)
  RETURN collect(k) AS co_a, collect(elementId(b)) AS co_b,
         collect(CASE WHEN $first_years THEN
                   CASE WHEN c.first_year IS :: INTEGER NOT NULL THEN c.first_year ELSE -1 END
                 END) AS co_year
}
CALL (found) {
  UNWIND found AS x
  WITH x[0] AS k, x[1] AS a
  MATCH (a)-[w:WORKS_ON]->(t:Topic)
  RETURN collect(k) AS tp_a, collect(t.id) AS tp_t, collect(coalesce(toFloat(w.weight), 1.0)) AS tp_w
}
CALL (found) {
  UNWIND found AS x
  WITH x[0] AS k, x[1] AS a
  MATCH (a)-[:AFFILIATED_WITH]->(i:Institution)
  RETURN collect(k) AS in_a, collect(i.id) AS in_i
}
CALL (found) {
  UNWIND found AS x
  WITH x[0] AS k, x[1] AS a
  MATCH (a)-[:SAME_AS]->(b:Researcher)
  RETURN collect(k) AS sa_a, collect(elementId(b)) AS sa_b
}
CALL (found) {
  UNWIND found AS x
  WITH x[0] AS k, x[1] AS a
  MATCH (a)-[:AUTHORED]->(w:Work)
  RETURN collect(k) AS wk_a,
         collect(CASE WHEN w.year IS :: INTEGER NOT NULL THEN w.year ELSE -1 END) AS wk_year,
         collect(CASE WHEN w.venue IS :: STRING NOT NULL THEN w.venue ELSE '' END) AS wk_venue
}
RETURN co_a, co_b, co_year, tp_a, tp_t, tp_w, in_a, in_i, sa_a, sa_b, wk_a, wk_year, wk_venue
