// The topics of one scheme as the graph holds them (id, level), for reading topic assignment's context from the
// stage: the taxonomy load may fill a level the records left empty, and the graph's value is the one that counts.
MATCH (t:Topic) WHERE t.scheme = $scheme
RETURN t.id AS id, t.level AS level
ORDER BY id
