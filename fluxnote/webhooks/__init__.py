"""Webhooks: provider callbacks in, FluxNote events out."""
