// Researcher nodes the resolver no longer needs (their mentions now belong to other clusters). Derived edges
// (COAUTHOR, WORKS_ON, suggestions) are recomputed for the survivors; curated decisions are re-attached.
UNWIND $ids AS rid
MATCH (r:Researcher {id: rid})
DETACH DELETE r
