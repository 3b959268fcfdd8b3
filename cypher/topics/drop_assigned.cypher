// Works whose source gave topics keep only those: drop any assigned (method starting with $prefix) HAS_TOPIC.
UNWIND $ids AS wid
MATCH (w:Work {id: wid})-[old:HAS_TOPIC]->(:Topic)
WHERE old.method STARTS WITH $prefix
DELETE old
RETURN count(old) AS dropped
