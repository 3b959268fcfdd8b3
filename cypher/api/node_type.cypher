// Which kind of node an id names (researcher, work, topic, institution), through the id constraints' indexes.
// Params: $id.
CALL () {
  MATCH (n:Researcher {id: $id}) RETURN 'researcher' AS type
  UNION ALL
  MATCH (n:Work {id: $id}) RETURN 'work' AS type
  UNION ALL
  MATCH (n:Topic {id: $id}) RETURN 'topic' AS type
  UNION ALL
  MATCH (n:Institution {id: $id}) RETURN 'institution' AS type
}
RETURN type
LIMIT 1
