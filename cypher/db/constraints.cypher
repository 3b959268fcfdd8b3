// Every constraint of the database, by name (`kg db schema`).
SHOW CONSTRAINTS YIELD name, type
RETURN name, type ORDER BY name
