// A load run ends, with what it read, loaded and rejected.
MATCH (l:LoadRun {id: $id})
SET l += $props, l.finished_at = datetime()
