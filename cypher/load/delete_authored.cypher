// AUTHORED edges about to be rebuilt by the resolver (researcher, work pairs).
UNWIND $rows AS row
MATCH (r:Researcher {id: row.researcher})-[a:AUTHORED]->(w:Work {id: row.work})
DELETE a
