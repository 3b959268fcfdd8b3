// Every WORKS_ON edge with its properties, in order: what a profile refresh wrote, for comparing two runs.
MATCH (r:Researcher)-[e:WORKS_ON]->(t)
RETURN r.id AS r, t.id AS t, e.weight AS weight, e.works AS works, e.top_works AS top_works
ORDER BY r, t
