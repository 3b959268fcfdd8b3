// Remove every COAUTHOR edge that touches one of $ids, in either direction (update_for recomputes them).
// Params: $ids (researcher ids).
UNWIND $ids AS rid
MATCH (:Researcher {id: rid})-[c:COAUTHOR]-(:Researcher)
WITH DISTINCT c
DELETE c
RETURN count(*) AS deleted
