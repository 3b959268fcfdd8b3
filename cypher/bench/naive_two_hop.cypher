// Benchmarks, naive panel baseline: everything within two hops of a researcher, unbounded, every node in full.
MATCH (c:Researcher {id: $id})-[*1..2]-(n)
RETURN DISTINCT n
