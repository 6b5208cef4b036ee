"""What every platform adapter shares, written once.

Modules: `tasks` (background work, tracked, its failures logged, drained at
stop), `lifecycle` (serving until SIGINT/SIGTERM, stopping with grace),
`paged` (the base of outputs whose messages have a length limit and are
edited), `lru` (a bounded memory of recent things).
"""
