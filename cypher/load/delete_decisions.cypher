// Curated decisions about to be re-attached to the researchers now holding their anchors.
MATCH (:Researcher)-[d:SAME_AS|NOT_SAME_AS]->(:Researcher)
WHERE d.decision IN $ids
DELETE d
