// Affiliations derived from authorships (and stated by profile pages): the derived ones are rebuilt each time.
UNWIND $rows AS row
MATCH (r:Researcher {id: row.researcher})
CALL (r, row) {
  MATCH (r)-[x:AFFILIATED_WITH]->(:Institution) WHERE x.source = row.source
  DELETE x
}
WITH r, row
UNWIND row.links AS link
MATCH (i:Institution {id: link.institution})
MERGE (r)-[x:AFFILIATED_WITH]->(i)
SET x.years = link.years, x.source = row.source, x.raw_affiliation = link.raw_affiliation,
    x.record_refs = link.record_refs, x.load_run = $run
