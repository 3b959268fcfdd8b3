// @title What is in the graph
// @answers How many nodes carry each label and how many relationships of each type the graph holds: the first
//   query to run on a new load.
// @returns nodes (label, count), relationships (type, count)
CALL () {
  MATCH (n)
  UNWIND labels(n) AS label
  WITH label, count(*) AS count
  ORDER BY label
  RETURN collect({label: label, count: count}) AS nodes
}
CALL () {
  MATCH ()-[r]->()
  WITH type(r) AS type, count(*) AS count
  ORDER BY type
  RETURN collect({type: type, count: count}) AS relationships
}
RETURN nodes, relationships
