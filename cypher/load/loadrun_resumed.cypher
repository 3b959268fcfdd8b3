// Earlier load runs that were interrupted (killed, or Neo4j went away) and whose work a later run completed.
UNWIND $ids AS id
MATCH (l:LoadRun {id: id})
SET l.status = 'interrupted', l.resumed_by = $by
