// Wait until every index is online (after the schema is applied, and after a bulk import populates them).
// Params: $seconds (int).
CALL db.awaitIndexes($seconds)
