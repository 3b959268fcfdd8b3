// The stored suggestions for one researcher, best first (what `kg discover --show` and analysts read).
// Params: $id (researcher id).
MATCH (r:Researcher {id: $id})
UNWIND range(0, size(coalesce(r.suggested, [])) - 1) AS i
MATCH (o:Researcher {id: r.suggested[i]})
RETURN o.id AS id, o.name AS name, r.suggested_scores[i] AS score, r.suggested_reasons[i] AS reasons,
       r.suggested_run AS run
ORDER BY score DESC, o.id ASC
