// The uniqueness that makes cypher/load/lock.cypher a lock (see there); :_Lock nodes never outlive a transaction.
CREATE CONSTRAINT load_lock_key IF NOT EXISTS FOR (n:_Lock) REQUIRE n.key IS UNIQUE
