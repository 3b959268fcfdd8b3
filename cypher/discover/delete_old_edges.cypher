// Remove up to $batch SUGGESTED_COLLABORATOR relationships left by an earlier version of discovery (suggestions
// now live in lists on the Researcher); call until it returns 0. Params: $batch (int).
MATCH ()-[s:SUGGESTED_COLLABORATOR]->()
WITH s LIMIT $batch
DELETE s
RETURN count(*) AS deleted
