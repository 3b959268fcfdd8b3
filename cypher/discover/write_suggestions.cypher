// Suggestions grouped by source: (source)-[:SUGGESTED_COLLABORATOR {score, reasons (JSON text), run}]->(target),
// each source looked up once. Params: $rows [{source, targets: [{target, score, reasons}]}], $run (the run id).
UNWIND $rows AS row
MATCH (a:Researcher {id: row.source})
UNWIND row.targets AS t
MATCH (b:Researcher {id: t.target})
CREATE (a)-[s:SUGGESTED_COLLABORATOR {score: t.score, reasons: t.reasons, run: $run}]->(b)
RETURN count(s) AS written
