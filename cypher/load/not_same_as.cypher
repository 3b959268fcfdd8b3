// A curated "different people" decision between the researchers holding its two sides.
UNWIND $rows AS row
MATCH (a:Researcher {id: row.a})
MATCH (b:Researcher {id: row.b})
CREATE (a)-[d:NOT_SAME_AS]->(b)
SET d = row.props
