// Every researcher with at least one authored work, for a full WORKS_ON refresh (batched by the caller).
MATCH (r:Researcher)
WHERE EXISTS { (r)-[:AUTHORED]->(:Work) } OR EXISTS { (r)-[:WORKS_ON]->(:Topic) }
RETURN r.id AS id
ORDER BY id
