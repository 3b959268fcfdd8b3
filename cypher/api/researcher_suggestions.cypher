// One page of the collaborators suggested for a researcher (SUGGESTED_COLLABORATOR from the discovery job), best
// score first, then by id; keyset pagination after ($after_score, $after_id). Params: $id, $after_score,
// $after_id, $limit.
MATCH (:Researcher {id: $id})-[s:SUGGESTED_COLLABORATOR]->(o:Researcher)
WITH s, o, coalesce(toFloat(s.score), 0.0) AS sc
WHERE $after_id IS NULL OR sc < $after_score OR (sc = $after_score AND o.id > $after_id)
RETURN o.id AS id, o.name AS name, o.headline AS headline, o.open_to_collaborate AS open_to_collaborate,
       s.score AS score, s.run AS run, s.reasons AS reasons, sc AS sort_score
ORDER BY sc DESC, o.id ASC
LIMIT $limit
