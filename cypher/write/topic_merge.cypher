// Topic nodes, the one statement that writes them: the taxonomy (`kg topics load`) and the records of a load.
// An authoritative row (a taxonomy node, a topic entity record) sets every field it has; a topic a work only
// refers to fills what is missing, so a loaded taxonomy keeps its names, levels and keywords.
// $rows: [{id, props: {name, scheme, level, keywords, sources, record_refs, authoritative}}]; $run: the load run
// (null keeps the node's last one).
UNWIND $rows AS row
MERGE (t:Topic {id: row.id})
SET t.name = CASE WHEN row.props.authoritative OR t.name IS NULL THEN coalesce(row.props.name, t.name) ELSE t.name END,
    t.scheme = CASE WHEN row.props.authoritative THEN coalesce(row.props.scheme, t.scheme)
                    ELSE coalesce(t.scheme, row.props.scheme) END,
    t.level = CASE WHEN row.props.authoritative THEN coalesce(row.props.level, t.level)
                   ELSE coalesce(t.level, row.props.level) END,
    t.keywords = CASE WHEN row.props.authoritative
                           AND (size(coalesce(row.props.keywords, [])) > 0 OR t.keywords IS NULL)
                      THEN coalesce(row.props.keywords, t.keywords) ELSE t.keywords END,
    t.sources = COLLECT { UNWIND coalesce(t.sources, []) + coalesce(row.props.sources, []) AS s
                          RETURN DISTINCT s ORDER BY s },
    t.record_refs = coalesce(row.props.record_refs, t.record_refs),
    t.updated_at = datetime(), t.load_run = coalesce($run, t.load_run)
