// Whether the graph holds only this stage store's writes since its last one ($generation): no load run of another
// stage (nor a run that never finished, which records no stage) started after that write finished, this run
// ($run) aside. Another stage's works and edges would be in the graph without being in this stage's tables.
OPTIONAL MATCH (mine:LoadRun) WHERE mine.stage = $stage AND mine.stage_generation = $generation
WITH max(mine.finished_at) AS since
RETURN since IS NOT NULL AND NOT EXISTS {
  MATCH (l:LoadRun) WHERE l.id <> $run AND l.started_at > since AND coalesce(l.stage, '') <> $stage
} AS alone
