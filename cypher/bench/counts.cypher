// Benchmarks: what a load left in the graph (counts by label and relationship type, from the count store).
CALL () { MATCH (w:Work) RETURN count(w) AS works }
CALL () { MATCH (r:Researcher) RETURN count(r) AS researchers }
CALL () { MATCH (i:Institution) RETURN count(i) AS institutions }
CALL () { MATCH ()-[a:AUTHORED]->() RETURN count(a) AS authored }
CALL () { MATCH ()-[c:COAUTHOR]->() RETURN count(c) AS coauthor }
CALL () { MATCH ()-[s:SUGGESTED_COLLABORATOR]->() RETURN count(s) AS suggested }
RETURN works, researchers, institutions, authored, coauthor, suggested
