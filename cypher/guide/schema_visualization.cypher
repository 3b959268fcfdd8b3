// The Browser guide's model slide: draw the graph's labels and relationship types.
CALL db.schema.visualization()
