// What the graph holds: nodes per label (each from the count store), the topics that works carry, and the
// co-author pairs. Params: none.
CALL () { MATCH (r:Researcher) RETURN count(r) AS researchers }
CALL () { MATCH (w:Work) RETURN count(w) AS works }
CALL () { MATCH (t:Topic) RETURN count(t) AS topics }
CALL () { MATCH (i:Institution) RETURN count(i) AS institutions }
CALL () { MATCH ()-[c:COAUTHOR]->() RETURN count(c) AS coauthor_pairs }
CALL () { MATCH (t:Topic) WHERE EXISTS { (t)<-[:HAS_TOPIC]-() } RETURN count(t) AS topics_used }
RETURN researchers, works, topics, topics_used, institutions, coauthor_pairs
