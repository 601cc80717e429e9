"""The credit ledger. Other domains call only `reserve`, `capture` and `release`
(and read `snapshot`); see services.py for the rules."""
