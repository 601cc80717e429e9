"""Credited generations: submit, run on a provider, settle the credit hold."""
