// One researcher's co-author summary for `kg coauthors show`: name, co-author count, big-team works.
// Params: $id (researcher id).
MATCH (r:Researcher {id: $id})
RETURN r.id AS id, r.name AS name, COUNT { (r)-[:COAUTHOR]-() } AS coauthors, r.big_team_works AS big_team_works
