// Benchmarks, naive loader baseline: one MERGE per work, in its own transaction with the work's authors.
MERGE (w:Work {id: $id})
SET w.title = $title, w.year = $year, w.venue = $venue, w.doi = $doi, w.arxiv_id = $arxiv_id,
    w.openalex_id = $openalex_id, w.abstract = $abstract, w.sources = ['csv'], w.updated_at = datetime()
