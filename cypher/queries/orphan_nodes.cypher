// @title Orphan nodes
// @answers Which nodes have no relationship at all (LoadRun bookkeeping aside): a researcher, work, topic or
//   institution that nothing points to, usually a failed link in a loader.
// @group audit
// @param limit 100 -- at most this many nodes
// @returns label, id, name (name or title), sources, load_run
MATCH (n)
WHERE NOT n:LoadRun AND NOT (n)--()
RETURN labels(n)[0] AS label, n.id AS id, coalesce(n.name, n.title) AS name, n.sources AS sources,
       n.load_run AS load_run
ORDER BY label, id
LIMIT $limit
