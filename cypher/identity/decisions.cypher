// Every curated identity decision, newest first: kind, the researchers holding each side, who, when, why.
MATCH (a:Researcher)-[d:SAME_AS|NOT_SAME_AS]->(b:Researcher)
RETURN d.decision AS decision, type(d) AS kind, a.id AS a, a.name AS a_name, b.id AS b, b.name AS b_name,
       d.by AS by, d.at AS at, d.why AS why, d.claim AS claim
ORDER BY at DESC, decision
