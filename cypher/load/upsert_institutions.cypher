// Institutions: fields fill in (a record never erases what another gave), provenance as a sorted set.
UNWIND $rows AS row
MERGE (i:Institution {id: row.id})
SET i.name = coalesce(row.name, i.name),
    i.ror = coalesce(row.ror, i.ror),
    i.openalex_id = coalesce(row.openalex_id, i.openalex_id),
    i.country_code = coalesce(row.country_code, i.country_code),
    i.type = coalesce(row.type, i.type),
    i.sources = COLLECT { UNWIND coalesce(i.sources, []) + [row.source] AS s RETURN DISTINCT s ORDER BY s },
    i.record_refs = COLLECT { UNWIND coalesce(i.record_refs, []) + row.refs AS x RETURN DISTINCT x ORDER BY x LIMIT 5 },
    i.updated_at = datetime(), i.load_run = $run
