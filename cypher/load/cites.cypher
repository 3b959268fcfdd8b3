// Citations from the works of a batch to the cited works already here, by the typed ids a source gave for them
// (DOI, arXiv id, OpenAlex id, Semantic Scholar paperId, each via its index; a cited work the source knew only by
// title via its title id in the full-text index work_ids). One cited paper may be named by several ids.
UNWIND $rows AS row
MATCH (a:Work {id: row.id})
CALL (a, row) {
  UNWIND row.dois AS x MATCH (b:Work) WHERE b.doi = x RETURN b
  UNION
  UNWIND row.arxivs AS x MATCH (b:Work) WHERE b.arxiv_id = x RETURN b
  UNION
  UNWIND row.openalexs AS x MATCH (b:Work) WHERE b.openalex_id = x RETURN b
  UNION
  UNWIND row.s2s AS x MATCH (b:Work) WHERE b.s2_id = x RETURN b
  UNION
  UNWIND row.title_ids AS x CALL db.index.fulltext.queryNodes('work_ids', x, {limit: 10}) YIELD node RETURN node AS b
}
WITH a, b, row WHERE b <> a
MERGE (a)-[c:CITES]->(b)
SET c.sources = a.reference_sources, c.record_refs = row.refs, c.load_run = $run
