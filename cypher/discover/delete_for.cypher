// A new discovery run replaces the SUGGESTED_COLLABORATOR edges of the researchers it covers.
// Params: $ids (source researcher ids).
UNWIND $ids AS rid
MATCH (:Researcher {id: rid})-[s:SUGGESTED_COLLABORATOR]->()
DELETE s
RETURN count(*) AS deleted
