// Citations to the works of a batch from works already here that cite them, so an edge does not depend on
// which of the two was loaded first. One pass over the stored reference lists per batch ($targets maps an
// OpenAlex id to the id of the Work carrying it).
MATCH (b:Work) WHERE size(coalesce(b.references, [])) > 0
UNWIND b.references AS ref
WITH b, $targets[ref] AS target WHERE target IS NOT NULL
MATCH (a:Work {id: target}) WHERE a <> b
MERGE (b)-[c:CITES]->(a)
SET c.source = 'openalex', c.record_refs = b.record_refs, c.load_run = $run
