// The newest load runs, newest first: what each read, loaded, rejected and wrote (counts is a JSON object of
// nodes and relationships written per kind). Params: $limit.
MATCH (l:LoadRun)
RETURN l.id AS id, l.source AS source, l.status AS status, toString(l.started_at) AS started_at,
       toString(l.finished_at) AS finished_at, l.read AS read, l.loaded AS loaded, l.rejected AS rejected,
       l.counts AS counts
ORDER BY l.started_at DESC, l.id DESC
LIMIT $limit
