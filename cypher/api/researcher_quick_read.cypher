// The quick read of one researcher: what the profile page shows, counts computed from the graph (relationship
// degrees, never a hub expanded) next to the counts a source reported. Close collaborators come from
// cypher/coauthors/close_collaborators.cypher, run separately.
// Params: $id, $top_topics (int), $max_institutions (int).
MATCH (r:Researcher {id: $id})
RETURN r.id AS id, r.name AS name, r.headline AS headline, coalesce(r.aliases, []) AS aliases,
       r.orcid AS orcid, r.openalex_id AS openalex_id, r.affiliation_status AS affiliation_status,
       r.trust_score AS trust_score, r.trust_label AS trust_label, r.verification_level AS verification_level,
       r.claimed AS claimed, r.open_to_collaborate AS open_to_collaborate, coalesce(r.sources, []) AS sources,
       r.big_team_works AS big_team_works,
       r.identity_method AS identity_method, r.identity_confidence AS identity_confidence,
       coalesce(r.identity_evidence, []) AS identity_evidence,
       {works: r.reported_works, topics: r.reported_topics, close_collaborators: r.reported_close_collaborators,
        followers: r.followers} AS reported,
       COUNT { (r)-[:AUTHORED]->() } AS works,
       COUNT { (r)-[:WORKS_ON]->() } AS topics,
       COUNT { (r)-[:COAUTHOR]-() } AS coauthors,
       COUNT { (r)-[:AFFILIATED_WITH]->() } AS institutions,
       COLLECT {
         MATCH (r)-[:AFFILIATED_WITH]->(i:Institution)
         WITH i ORDER BY i.id LIMIT $max_institutions
         RETURN i {.id, .name, .country_code, .type}
       } AS institution_list,
       COLLECT {
         MATCH (r)-[w:WORKS_ON]->(t:Topic)
         WITH t, w ORDER BY coalesce(w.weight, 0.0) DESC, t.id ASC LIMIT $top_topics
         RETURN t {.id, .name, .level, .scheme, weight: w.weight,
                  works: CASE WHEN w.works IS :: LIST<ANY> THEN size(w.works) ELSE w.works END}
       } AS top_topics
