// Benchmarks: whether the schema is in place (the Work id constraint stands for all of it).
SHOW CONSTRAINTS YIELD name WHERE name = 'work_id' RETURN name
