// Benchmarks (discover_scale): delete up to $batch throw-away researchers and their edges; returns how many.
// Params: $prefix (string), $batch (int).
MATCH (r:Researcher) WHERE r.id STARTS WITH $prefix
WITH r LIMIT $batch
DETACH DELETE r
RETURN count(*) AS n
