// Record a curated "different people" decision (who, when, why, and the anchors it is keyed on).
MATCH (a:Researcher {id: $a})
MATCH (b:Researcher {id: $b})
CREATE (a)-[d:NOT_SAME_AS]->(b)
SET d = $props
