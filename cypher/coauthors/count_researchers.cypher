// How many researchers the graph holds (the progress bar's total).
MATCH (r:Researcher)
RETURN count(r) AS n
