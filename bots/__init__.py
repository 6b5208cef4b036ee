"""The front ends of the service: one adapter per chat platform, and the command line.

`console` (the terminal chat), `telegram_adapter`, `discord_adapter`; what they
share is in `common`; `settings` loads an adapter's settings with the core's;
`registry` lists the front ends `cli` (the `nemobot` command) can run.
"""
