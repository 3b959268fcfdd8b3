// Topics the loaded records name: a topic entity record sets every field it has; a topic a work only refers to
// fills what is missing, so a taxonomy loaded by `kg topics load` keeps its names and keywords.
UNWIND $rows AS row
MERGE (t:Topic {id: row.id})
SET t.name = CASE WHEN row.props.authoritative OR t.name IS NULL THEN coalesce(row.props.name, t.name) ELSE t.name END,
    t.scheme = coalesce(t.scheme, row.props.scheme),
    t.level = coalesce(t.level, row.props.level),
    t.keywords = CASE WHEN row.props.authoritative AND size(coalesce(row.props.keywords, [])) > 0
                      THEN row.props.keywords ELSE t.keywords END,
    t.sources = COLLECT { UNWIND coalesce(t.sources, []) + coalesce(row.props.sources, []) AS s
                          RETURN DISTINCT s ORDER BY s },
    t.record_refs = coalesce(row.props.record_refs, t.record_refs),
    t.updated_at = datetime(), t.load_run = $run
