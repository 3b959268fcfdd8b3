// Every curated identity decision (SAME_AS / NOT_SAME_AS) with the anchors it is keyed on.
MATCH (a:Researcher)-[d:SAME_AS|NOT_SAME_AS]->(b:Researcher)
RETURN type(d) AS kind, a.id AS a, b.id AS b, properties(d) AS props
ORDER BY props.decision
