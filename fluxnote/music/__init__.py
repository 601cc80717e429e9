"""Music: a royalty-free library generated offline by mood (see services.py)."""
