// @title Institutions that collaborate most
// @answers Which pairs of institutions share the most works, counting a work once for a pair when authors
//   affiliated with each institution wrote it together (a researcher with two affiliations does not pair them).
// @param min_works 1 -- only pairs with at least this many shared works
// @param limit 20 -- at most this many pairs
// @returns institution_a, name_a, institution_b, name_b, shared_works, researchers (distinct authors involved)
MATCH (a:Institution)<-[:AFFILIATED_WITH]-(ra:Researcher)-[:AUTHORED]->(w:Work)
      <-[:AUTHORED]-(rb:Researcher)-[:AFFILIATED_WITH]->(b:Institution)
WHERE a.id < b.id
WITH a, b, count(DISTINCT w) AS shared_works, collect(DISTINCT ra) + collect(DISTINCT rb) AS people
WHERE shared_works >= $min_works
UNWIND people AS person
WITH a, b, shared_works, count(DISTINCT person) AS researchers
RETURN a.id AS institution_a, a.name AS name_a, b.id AS institution_b, b.name AS name_b, shared_works, researchers
ORDER BY shared_works DESC, institution_a, institution_b
LIMIT $limit
