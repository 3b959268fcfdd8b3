// Names of the topics a batch of suggestions refers to. Params: $ids (topic ids).
UNWIND $ids AS id
MATCH (t:Topic {id: id})
RETURN t.id AS id, t.name AS name
