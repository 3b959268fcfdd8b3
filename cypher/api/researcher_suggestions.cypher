// One page of the collaborators suggested for a researcher (the discovery job's lists on the Researcher:
// suggested ids, suggested_scores, suggested_reasons, suggested_run), best score first, then by id; keyset
// pagination after ($after_score, $after_id). Params: $id, $after_score, $after_id, $limit.
MATCH (r:Researcher {id: $id})
UNWIND range(0, size(coalesce(r.suggested, [])) - 1) AS i
MATCH (o:Researcher {id: r.suggested[i]})
WITH o, r.suggested_scores[i] AS score, r.suggested_reasons[i] AS reasons, r.suggested_run AS run
WITH o, score, reasons, run, coalesce(toFloat(score), 0.0) AS sc
WHERE $after_id IS NULL OR sc < $after_score OR (sc = $after_score AND o.id > $after_id)
RETURN o.id AS id, o.name AS name, o.headline AS headline, o.open_to_collaborate AS open_to_collaborate,
       score, run, reasons, sc AS sort_score
ORDER BY sc DESC, o.id ASC
LIMIT $limit
