// The researchers whose COAUTHOR edges a change to $ids can alter: the researchers themselves and every other author
// of their works (a new author changes n, and so the weight, of every pair on that work, or pushes it over the cap).
// Params: $ids (researcher ids).
UNWIND $ids AS rid
MATCH (a:Researcher {id: rid})
OPTIONAL MATCH (a)-[:AUTHORED]->(:Work)<-[:AUTHORED]-(b:Researcher)
WITH collect(DISTINCT a.id) + collect(DISTINCT b.id) AS ids
UNWIND ids AS id
RETURN DISTINCT id
