// Topics: entity records set every field; references from works only fill what is missing.
UNWIND $rows AS row
MERGE (t:Topic {id: row.id})
SET t.name = CASE WHEN row.authoritative OR t.name IS NULL THEN coalesce(row.name, t.name) ELSE t.name END,
    t.scheme = coalesce(t.scheme, row.scheme),
    t.level = coalesce(t.level, row.level),
    t.keywords = CASE WHEN row.authoritative AND size(row.keywords) > 0 THEN row.keywords ELSE t.keywords END,
    t.sources = COLLECT { UNWIND coalesce(t.sources, []) + [row.source] AS s RETURN DISTINCT s ORDER BY s },
    t.record_refs = COLLECT { UNWIND coalesce(t.record_refs, []) + row.refs AS x RETURN DISTINCT x ORDER BY x LIMIT 5 },
    t.updated_at = datetime(), t.load_run = $run
