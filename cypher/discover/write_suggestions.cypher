// One batch of suggestions: (source)-[:SUGGESTED_COLLABORATOR {score, reasons (JSON text), run}]->(target).
// Params: $rows [{source, target, score, reasons, run}].
UNWIND $rows AS row
MATCH (a:Researcher {id: row.source})
MATCH (b:Researcher {id: row.target})
CREATE (a)-[s:SUGGESTED_COLLABORATOR {score: row.score, reasons: row.reasons, run: row.run}]->(b)
RETURN count(s) AS written
