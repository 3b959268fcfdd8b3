// After a bulk import with the derived topics in it: the empty lists topics/write_assigned and write/topic_merge
// store, which the import tool cannot write (an empty array cell is no property): works' keyphrases, taxonomy
// topics' keywords, assigned HAS_TOPIC edges' evidence (kg.derive.topic_bulk lists them).
// $works, $topics: [id]; $edges: [{src, dst}]; $source: the method of source edges (never these).
CALL {
  UNWIND $works AS id
  MATCH (w:Work {id: id})
  SET w.keyphrases = []
}
CALL {
  UNWIND $topics AS id
  MATCH (t:Topic {id: id})
  SET t.keywords = []
}
CALL {
  UNWIND $edges AS e
  MATCH (w:Work {id: e.src})
  MATCH (w)-[h:HAS_TOPIC]->(t:Topic {id: e.dst})
  WHERE h.method <> $source
  SET h.evidence = []
}
RETURN size($works) + size($topics) + size($edges) AS lists
