// Benchmarks (bench/graph1m.py): the LoadRun node the imported nodes' `load_run` names, with what was imported.
// Params: $id (the run id), $counts ([[name, count], …]).
MERGE (l:LoadRun {id: $id})
SET l.source = 'csv', l.status = 'imported', l.method = 'neo4j-admin database import (bench/graph1m.py)',
    l.started_at = coalesce(l.started_at, datetime()), l.finished_at = datetime(),
    l.counts = [c IN $counts | c[0] + '=' + toString(c[1])]
RETURN l.id AS id
