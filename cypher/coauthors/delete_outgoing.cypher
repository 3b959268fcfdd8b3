// Remove the COAUTHOR edges that start at $ids (rebuild replaces each researcher's outgoing edges batch by batch;
// every edge starts at some researcher, so a full walk removes every old edge, stale directions included).
// Params: $ids (researcher ids).
UNWIND $ids AS rid
MATCH (:Researcher {id: rid})-[c:COAUTHOR]->()
DELETE c
RETURN count(*) AS deleted
