// Existing Work nodes an incoming batch may be the same paper as: by typed id, DOI, arXiv id, OpenAlex id or
// normalised title (the resolver then applies the year tolerance and id conflicts in code).
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
}
RETURN w.id AS id, properties(w) AS props,
       COLLECT { MATCH (w)-[h:HAS_TOPIC]->(t:Topic) WHERE h.method = 'source' RETURN t.id } AS topics
ORDER BY id
