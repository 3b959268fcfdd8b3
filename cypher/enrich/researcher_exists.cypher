// Whether a researcher id names a node (`kg enrich --researcher` tells "no works" from "no such researcher").
// Params: $id (string).
MATCH (r:Researcher {id: $id})
RETURN r.id AS id
