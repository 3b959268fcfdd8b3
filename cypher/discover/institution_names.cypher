// Names of the institutions a batch of suggestions refers to. Params: $ids (institution ids).
UNWIND $ids AS id
MATCH (i:Institution {id: id})
RETURN i.id AS id, i.name AS name
