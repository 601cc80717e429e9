"""Ops: queues, workers, provider health, webhook logs, search, workspaces (admins only)."""
