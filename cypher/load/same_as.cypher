// A curated "same person" decision between the researchers holding its two sides.
UNWIND $rows AS row
MATCH (a:Researcher {id: row.a})
MATCH (b:Researcher {id: row.b})
CREATE (a)-[d:SAME_AS]->(b)
SET d = row.props
