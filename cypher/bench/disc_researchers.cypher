// Benchmarks (discover_scale): throw-away researchers to write suggestion lists on.
// Params: $ids (list of strings, each starting with bench-disc:).
UNWIND $ids AS id
MERGE (:Researcher {id: id, name: 'Bench ' + id})
