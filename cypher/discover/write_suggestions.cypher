// Store each researcher's suggestions as one list per property on the Researcher, best first: suggested (ids),
// suggested_scores, suggested_reasons (compact JSON texts), suggested_run and suggested_digest (what a re-run
// compares to skip unchanged lists). One row per researcher, so batches share no node and writers never wait for
// each other; null lists remove the properties (a researcher who no longer has suggestions).
// Params: $rows [[researcher id, [ids] | null, [scores] | null, [reasons] | null, digest | null]], $run (run id).
UNWIND $rows AS row
MATCH (r:Researcher {id: row[0]})
SET r.suggested = row[1], r.suggested_scores = row[2], r.suggested_reasons = row[3],
    r.suggested_run = CASE WHEN row[1] IS NULL THEN null ELSE $run END, r.suggested_digest = row[4]
RETURN sum(size(coalesce(row[1], []))) AS written
