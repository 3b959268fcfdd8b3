// The affiliations researchers have from their authorships, for researchers whose new slots are appended to the
// stored ones (their links are extended, not rebuilt from every slot).
UNWIND $ids AS rid
MATCH (r:Researcher {id: rid})-[x:AFFILIATED_WITH]->(i:Institution)
WHERE x.source = 'authorships'
RETURN r.id AS researcher, i.id AS institution, x.years AS years, x.raw_affiliation AS raw_affiliation,
       x.record_refs AS record_refs
ORDER BY researcher, institution
