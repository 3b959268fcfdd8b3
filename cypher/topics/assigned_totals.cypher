// How many assigned HAS_TOPIC edges (any method but $source) the graph holds and the sum of their scores: checked
// against the stage's record of them before profiles are computed from the stage.
MATCH (:Work)-[h:HAS_TOPIC]->() WHERE h.method <> $source
RETURN count(h) AS n, coalesce(sum(h.score), 0.0) AS total
