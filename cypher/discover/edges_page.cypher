// Discovery's input for one page of researchers: outgoing COAUTHOR (each pair once, lower → higher id) with the
// year the pair first wrote together, WORKS_ON topic weights, AFFILIATED_WITH institutions, outgoing SAME_AS (each
// stored edge once) and one [year, venue] per authored work.
// Params: $ids (researcher ids).
UNWIND $ids AS rid
MATCH (a:Researcher {id: rid})
RETURN rid AS id,
       [(a)-[c:COAUTHOR]->(b:Researcher) | [b.id, c.first_year]] AS coauthors,
       [(a)-[w:WORKS_ON]->(t:Topic) | [t.id, toFloat(coalesce(w.weight, 1.0))]] AS topics,
       [(a)-[:AFFILIATED_WITH]->(i:Institution) | i.id] AS institutions,
       [(a)-[:SAME_AS]->(b:Researcher) | b.id] AS same_as,
       [(a)-[:AUTHORED]->(w:Work) | [w.year, w.venue]] AS works
