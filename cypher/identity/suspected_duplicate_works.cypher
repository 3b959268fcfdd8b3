// Analyst audit: works that share a normalised title but were kept apart (different DOIs or arXiv ids, or
// years too far apart) — candidates for a curated look.
MATCH (w:Work) WHERE w.title_key IS NOT NULL
WITH w.title_key AS key, collect(w {.id, .title, .year, .doi, .arxiv_id, .sources}) AS works
WHERE size(works) > 1
RETURN key, size(works) AS n, works
ORDER BY n DESC, key
LIMIT $limit
