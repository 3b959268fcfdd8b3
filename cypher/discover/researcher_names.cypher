// Names of the researchers a batch of suggestions refers to. Params: $ids (researcher ids).
UNWIND $ids AS id
MATCH (r:Researcher {id: id})
RETURN r.id AS id, r.name AS name
