// Discovery's edge list for one page of researchers: outgoing COAUTHOR (each pair once, lower → higher id),
// WORKS_ON topic weights, AFFILIATED_WITH institutions and outgoing SAME_AS (each stored edge once).
// Params: $ids (researcher ids).
UNWIND $ids AS rid
MATCH (a:Researcher {id: rid})
RETURN rid AS id,
       [(a)-[:COAUTHOR]->(b:Researcher) | b.id] AS coauthors,
       [(a)-[w:WORKS_ON]->(t:Topic) | [t.id, toFloat(coalesce(w.weight, 1.0))]] AS topics,
       [(a)-[:AFFILIATED_WITH]->(i:Institution) | i.id] AS institutions,
       [(a)-[:SAME_AS]->(b:Researcher) | b.id] AS same_as
