// Researcher nodes in these blocking keys, with these ids, or holding these ORCIDs / OpenAlex author ids.
CALL () {
  UNWIND $blocks AS b MATCH (r:Researcher) WHERE r.block_key = b RETURN r
  UNION
  UNWIND $ids AS x MATCH (r:Researcher {id: x}) RETURN r
  UNION
  UNWIND $orcids AS x MATCH (r:Researcher) WHERE r.orcid = x RETURN r
  UNION
  UNWIND $openalexs AS x MATCH (r:Researcher) WHERE r.openalex_id = x RETURN r
}
RETURN r.id AS id, properties(r) AS props
ORDER BY id
