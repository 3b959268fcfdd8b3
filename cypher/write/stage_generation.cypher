// The last write generation of this stage store the graph holds (its LoadRun nodes carry it), to tell whether the
// stage's memory of what was written still describes this graph.
MATCH (l:LoadRun) WHERE l.stage = $stage AND l.stage_generation IS NOT NULL
RETURN max(l.stage_generation) AS generation
