// The status of the given load runs ('running', 'finished', 'failed'): `kg up` reloads unless the graph still
// holds every run of its last load. Params: $ids (list of LoadRun ids).
MATCH (l:LoadRun)
WHERE l.id IN $ids
RETURN l.id AS id, l.status AS status
