// How many SUGGESTED_COLLABORATOR relationships an earlier version of discovery left (from the count store).
MATCH ()-[s:SUGGESTED_COLLABORATOR]->()
RETURN count(s) AS n
