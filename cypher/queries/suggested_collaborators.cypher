// @title Suggested collaborators and why
// @answers Whom the discovery job suggests a researcher could work with, best first, with its reasons (a JSON
//   string written by the job) and the run that made the suggestion.
// @param id "orcid:0000-0001-0000-0001" -- the researcher's id
// @param limit 10 -- at most this many suggestions
// @returns id, name, score, reasons (JSON text), run
MATCH (r:Researcher {id: $id})-[s:SUGGESTED_COLLABORATOR]->(o:Researcher)
RETURN o.id AS id, o.name AS name, s.score AS score, s.reasons AS reasons, s.run AS run
ORDER BY s.score DESC, o.id
LIMIT $limit
