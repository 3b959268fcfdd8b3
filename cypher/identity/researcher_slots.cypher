// A researcher and its author slots: the stable anchors ("<work id>#<name key>") a curation decision is keyed on.
MATCH (r:Researcher {id: $id})
OPTIONAL MATCH (r)-[a:AUTHORED]->(w:Work)
RETURN r.id AS id, r.name AS name, r.block_key AS block_key, r.profile_key AS profile_key,
       collect({work: w.id, work_ids: w.ids, names: a.names, block: a.block_key}) AS slots
