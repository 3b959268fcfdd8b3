// A load run begins.
MERGE (l:LoadRun {id: $id})
SET l.started_at = datetime(), l.paths = $paths, l.status = 'running', l.rejects_file = $rejects_file
