// Researchers holding a strong id (ORCID, OpenAlex, profile, a source's author id) among the ids of their slots,
// not only as their own id: a cluster joined through a slot that carried two ids (one person named twice on a
// paper) holds both. Found through the id tokens of the full-text index on identity_keys (kg.identity.id_token).
// Params: $probes [{block, id (typed strong id), query (its token)}], $limit (per probe).
UNWIND $probes AS p
CALL db.index.fulltext.queryNodes('researcher_identity_keys', p.query, {limit: $limit}) YIELD node
WITH p, node
WHERE node.block_key = p.block
RETURN p.id AS held, node.id AS id, node.orcid AS orcid, node.openalex_id AS openalex_id,
       node.profile_key AS profile_key
ORDER BY held, id
