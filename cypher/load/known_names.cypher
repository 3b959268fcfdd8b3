// Names (and aliases) of researchers the graph already knows: they help split a listing's title from its authors.
MATCH (r:Researcher)
WITH r.name AS name, coalesce(r.aliases, []) AS aliases
UNWIND [name] + aliases AS n
WITH DISTINCT n WHERE n IS NOT NULL
RETURN n AS name
