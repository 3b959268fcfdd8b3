// Suggestions grouped by source: (source)-[:SUGGESTED_COLLABORATOR {score, reasons (JSON text), run}]->(target),
// each source looked up once. Params: $rows [[source, [target ids], [scores], [reasons JSON]]] (parallel lists),
// $run (the run id).
UNWIND $rows AS row
MATCH (a:Researcher {id: row[0]})
UNWIND range(0, size(row[1]) - 1) AS i
MATCH (b:Researcher {id: row[1][i]})
CREATE (a)-[s:SUGGESTED_COLLABORATOR {score: row[2][i], reasons: row[3][i], run: $run}]->(b)
RETURN count(s) AS written
