// Existing Work nodes an incoming batch may be the same paper as: by typed id, DOI, arXiv id, OpenAlex id or
// normalised title, or any title it was merged under (the resolver then applies the year tolerance and id conflicts in code).
CALL () {
  UNWIND $ids AS x MATCH (w:Work {id: x}) RETURN w
  UNION
  UNWIND $dois AS x MATCH (w:Work) WHERE w.doi = x RETURN w
  UNION
  UNWIND $arxivs AS x MATCH (w:Work) WHERE w.arxiv_id = x RETURN w
  UNION
  UNWIND $openalexs AS x MATCH (w:Work) WHERE w.openalex_id = x RETURN w
  UNION
  UNWIND $title_keys AS x MATCH (w:Work) WHERE w.title_key = x RETURN w
  UNION
  // a Work merged from records with different titles: any of its title ids (quoted: one whitespace token each)
  UNWIND $title_ids AS x CALL db.index.fulltext.queryNodes('work_ids', x, {limit: 100}) YIELD node RETURN node AS w
}
RETURN w.id AS id, properties(w) AS props,
       COLLECT { MATCH (w)-[h:HAS_TOPIC]->(t:Topic) WHERE h.method = 'source' RETURN t.id } AS topics
ORDER BY id
