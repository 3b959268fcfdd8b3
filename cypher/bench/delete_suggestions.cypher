// Benchmarks: remove the stored suggestion lists of up to $batch researchers and say how many (call until 0), so
// a timed `kg discover` starts from the same empty state as the first run. Params: $batch (int).
MATCH (r:Researcher)
WHERE r.suggested_digest IS NOT NULL
WITH r LIMIT $batch
REMOVE r.suggested, r.suggested_scores, r.suggested_reasons, r.suggested_run, r.suggested_digest
RETURN count(*) AS deleted
