// Every index of the database with its state, by name (`kg db schema`).
SHOW INDEXES YIELD name, type, state
RETURN name, type, state ORDER BY name
