// Researcher nodes in these blocking keys or with these ids, with all their properties.
CALL {
  UNWIND $blocks AS b MATCH (r:Researcher) WHERE r.block_key = b RETURN r
  UNION
  UNWIND $ids AS x MATCH (r:Researcher {id: x}) RETURN r
}
RETURN r.id AS id, properties(r) AS props
ORDER BY id
