// Work ids for `kg topics assign`: every work when $all, else only works without any HAS_TOPIC yet.
MATCH (w:Work)
WHERE $all OR NOT EXISTS { (w)-[:HAS_TOPIC]->(:Topic) }
RETURN w.id AS id
ORDER BY id
