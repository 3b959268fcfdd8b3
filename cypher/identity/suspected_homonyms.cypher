// Analyst audit: names shared by several researchers (homonyms kept apart, or one person split in two), with
// each researcher's method, confidence and work count. Lower confidence first.
MATCH (r:Researcher)
WITH r.name_key AS key, collect(r) AS people
WHERE size(people) > 1
UNWIND people AS r
WITH key, size(people) AS n, r, COUNT { (r)-[:AUTHORED]->() } AS works
ORDER BY key, r.identity_confidence, r.id
RETURN key, n, collect({id: r.id, name: r.name, method: r.identity_method,
                         confidence: r.identity_confidence, works: works}) AS researchers
ORDER BY n DESC, key
LIMIT $limit
