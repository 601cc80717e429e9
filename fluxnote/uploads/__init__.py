"""Uploads: validated media (real decode, size, pixel and duration limits) stored as assets."""
