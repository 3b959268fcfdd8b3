// Benchmarks: remove up to $batch SUGGESTED_COLLABORATOR edges and say how many (call until 0), so a timed
// `kg discover` starts from the same empty state as the first run. One bounded transaction per call: a single
// CALL … IN TRANSACTIONS over 16M edges outlived the server's 10-minute transaction timeout. Params: $batch (int).
MATCH (:Researcher)-[s:SUGGESTED_COLLABORATOR]->()
WITH s LIMIT $batch
DELETE s
RETURN count(*) AS deleted
