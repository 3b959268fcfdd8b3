// One institution with how many researchers are affiliated and the first $max_members of them by id.
// Params: $id, $max_members.
MATCH (i:Institution {id: $id})
RETURN i {.id, .name, .ror, .country_code, .type, .sources} AS institution,
       COUNT { (i)<-[:AFFILIATED_WITH]-() } AS researchers,
       COLLECT {
         MATCH (i)<-[:AFFILIATED_WITH]-(r:Researcher)
         WITH r ORDER BY r.id LIMIT $max_members
         RETURN {id: r.id, name: r.name}
       } AS members
