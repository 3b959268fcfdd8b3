// @title Topics rising by year
// @answers Which topics gained most works between two years (works tagged with the topic directly), with the
//   yearly counts in between; only topics that grew.
// @param from_year 2021 -- the baseline year
// @param to_year 2023 -- the recent year
// @param limit 10 -- at most this many topics
// @returns id, name, level, works_from, works_to, growth (works_to - works_from), by_year (year, works)
MATCH (t:Topic)<-[:HAS_TOPIC]-(w:Work)
WHERE w.year >= $from_year AND w.year <= $to_year
WITH t, w.year AS year, count(DISTINCT w) AS works
ORDER BY t.id, year
WITH t, collect({year: year, works: works}) AS by_year,
     sum(CASE WHEN year = $from_year THEN works ELSE 0 END) AS works_from,
     sum(CASE WHEN year = $to_year THEN works ELSE 0 END) AS works_to
WHERE works_to > works_from
RETURN t.id AS id, t.name AS name, t.level AS level, works_from, works_to, works_to - works_from AS growth, by_year
ORDER BY growth DESC, id
LIMIT $limit
