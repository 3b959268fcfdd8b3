// How many nodes of a taxonomy the graph holds with the parent the file gives them: size($rows) once
// `kg topics load` (or a load's topic step) wrote the taxonomy whole, fewer after a load killed part way.
// $rows: [{id, parent}] (parent null: a root).
UNWIND $rows AS row
MATCH (t:Topic {id: row.id})
WHERE row.parent IS NULL OR EXISTS { (t)-[:PART_OF]->(:Topic {id: row.parent}) }
RETURN count(t) AS n
