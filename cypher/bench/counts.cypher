// Benchmarks: what a load left in the graph (counts by label and relationship type, from the count store; suggestions summed over the lists).
CALL () { MATCH (w:Work) RETURN count(w) AS works }
CALL () { MATCH (r:Researcher) RETURN count(r) AS researchers }
CALL () { MATCH (i:Institution) RETURN count(i) AS institutions }
CALL () { MATCH ()-[a:AUTHORED]->() RETURN count(a) AS authored }
CALL () { MATCH ()-[c:COAUTHOR]->() RETURN count(c) AS coauthor }
CALL () { MATCH (r:Researcher) WHERE r.suggested IS NOT NULL RETURN sum(size(r.suggested)) AS suggested }
RETURN works, researchers, institutions, authored, coauthor, suggested
