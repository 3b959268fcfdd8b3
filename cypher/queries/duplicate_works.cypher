// @title Suspected duplicate works
// @answers Which Work nodes look like the same paper: the same title_key under different ids, published within
//   $max_year_gap years of each other (or with a year missing). One row per pair, lower id first.
// @group audit
// @param max_year_gap 1 -- the largest difference in years that still looks like one paper (preprint vs. print)
// @param limit 50 -- at most this many pairs
// @returns title_key, a (id, title, year, sources), b (id, title, year, sources), year_gap
MATCH (a:Work)
WHERE a.title_key IS NOT NULL
MATCH (b:Work {title_key: a.title_key})
WHERE a.id < b.id AND (a.year IS NULL OR b.year IS NULL OR abs(a.year - b.year) <= $max_year_gap)
RETURN a.title_key AS title_key,
       {id: a.id, title: a.title, year: a.year, sources: a.sources} AS a,
       {id: b.id, title: b.title, year: b.year, sources: b.sources} AS b,
       abs(a.year - b.year) AS year_gap
ORDER BY title_key, a.id, b.id
LIMIT $limit
