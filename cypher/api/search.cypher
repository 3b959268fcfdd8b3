// Full-text search over one of the schema's full-text indexes ($index: researcher_names, work_text, topic_names
// or institution_names, chosen by code), ranked by Lucene score, ties by id. $query is a Lucene query built by
// the API from escaped user terms; the API pages through the first $fetch hits. Params: $index, $query, $fetch.
CALL db.index.fulltext.queryNodes($index, $query, {limit: $fetch}) YIELD node, score
RETURN node.id AS id, coalesce(node.name, node.title) AS label, score,
       CASE
         WHEN node:Researcher THEN node.headline
         WHEN node:Work THEN trim(coalesce(toString(node.year), '') + ' ' + coalesce(node.venue, ''))
         WHEN node:Topic THEN node.level
         WHEN node:Institution THEN node.country_code
       END AS detail
ORDER BY score DESC, id ASC
