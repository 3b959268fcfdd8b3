// Write locks for one batch's transaction, taken before it reads what it resolves against: one short-lived
// :_Lock node per key ("w:<typed work id>", "b:<name blocking key>"), created and deleted in the same
// transaction. The unique constraint on _Lock.key makes a second transaction locking the same key wait until
// the first commits, so it then reads the committed state; nothing is left behind in the graph. Keys come
// sorted, so two loads take shared keys in the same order (Neo4j detects the rare deadlock, the driver retries).
UNWIND $keys AS k
MERGE (l:_Lock {key: k})
SET l.held = true
DELETE l
