// Researchers an incoming slot could join by evidence, found through the full-text index on identity_keys (one
// token per blocking key and feature: co-author, institution, topic, venue), best-matching first, bounded.
UNWIND $probes AS p
CALL db.index.fulltext.queryNodes('researcher_identity_keys', p.query, {limit: $limit}) YIELD node
WITH p, node
WHERE node.block_key = p.block
RETURN DISTINCT node.id AS id
ORDER BY id
