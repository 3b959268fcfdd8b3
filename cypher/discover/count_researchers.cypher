// How many researchers discovery reads (the progress bar's total).
MATCH (r:Researcher)
RETURN count(r) AS n
