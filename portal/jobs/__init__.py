"""Background work on rq + Redis, committed through a transactional outbox (DESIGN §4, §7).

A service adds an `OutboxJob` row in the same transaction as the data it is about; after commit
the row is handed to rq (or, with no Redis, run inline by the same code). A row committed while
Redis was down stays pending and the sweeper hands it over later. Jobs take ids, never content.
"""
