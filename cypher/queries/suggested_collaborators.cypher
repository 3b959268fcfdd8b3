// @title Suggested collaborators and why
// @answers Whom the discovery job suggests a researcher could work with, best first, with its reasons (a JSON
//   string written by the job) and the run that made the suggestion. The job stores them as lists on the
//   Researcher (suggested, suggested_scores, suggested_reasons, suggested_run), one entry per suggestion.
// @param id "orcid:0000-0001-0000-0001" -- the researcher's id
// @param limit 10 -- at most this many suggestions
// @returns id, name, score, reasons (JSON text), run
MATCH (r:Researcher {id: $id})
UNWIND range(0, size(coalesce(r.suggested, [])) - 1) AS i
MATCH (o:Researcher {id: r.suggested[i]})
RETURN o.id AS id, o.name AS name, r.suggested_scores[i] AS score, r.suggested_reasons[i] AS reasons,
       r.suggested_run AS run
ORDER BY score DESC, o.id
LIMIT $limit
