// Whether the database holds any node (the write stage may CREATE everything into an empty graph).
MATCH (n) RETURN count(n) = 0 AS empty
