// Earlier decisions of the opposite kind between the same people: the newest decision wins.
MATCH (:Researcher)-[d:SAME_AS|NOT_SAME_AS]->(:Researcher)
WHERE type(d) = $kind
  AND ((any(x IN d.anchors_a WHERE x IN $anchors_a) AND any(x IN d.anchors_b WHERE x IN $anchors_b))
    OR (any(x IN d.anchors_a WHERE x IN $anchors_b) AND any(x IN d.anchors_b WHERE x IN $anchors_a)))
DELETE d
