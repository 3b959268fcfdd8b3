// @title The collaboration path between two researchers
// @answers How two researchers are connected through co-authorship: the shortest chain of COAUTHOR links
//   (at most $max_hops), one row per hop, with the works the two people on that hop wrote together.
// @group explore
// @param from "orcid:0000-0001-0000-0001" -- the first researcher's id
// @param to "name:xue|rui:1a2b3c4d" -- the second researcher's id (a different person)
// @param max_hops 6 -- give up on longer chains
// @param works_per_hop 3 -- at most this many connecting works per hop, latest first
// @returns hop, from_id, from_name, to_id, to_name, shared_works, works (id, title, year)
MATCH (a:Researcher {id: $from}), (b:Researcher {id: $to})
WHERE a <> b
MATCH p = shortestPath((a)-[:COAUTHOR*]-(b))
WITH p
WHERE length(p) <= $max_hops
UNWIND range(0, length(p) - 1) AS i
WITH i, nodes(p)[i] AS x, nodes(p)[i + 1] AS y, relationships(p)[i] AS c
RETURN i + 1 AS hop, x.id AS from_id, x.name AS from_name, y.id AS to_id, y.name AS to_name,
       c.shared_works AS shared_works,
       COLLECT {
         MATCH (x)-[:AUTHORED]->(w:Work)<-[:AUTHORED]-(y)
         WITH DISTINCT w ORDER BY w.year DESC, w.id LIMIT $works_per_hop
         RETURN {id: w.id, title: w.title, year: w.year}
       } AS works
ORDER BY hop
