"""Who may use the bot and how much: access rules, quotas, usage, operator alerts, and the
encryption of the NemoVideo tokens kept in Redis.

Submodules are imported explicitly (`core.access.rules`, `core.access.quotas`, ...):
`core.settings` reads the entry format from `core.access.entries`, which must not
pull in the rest of the core.
"""
