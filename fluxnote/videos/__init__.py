"""Videos: one call from a topic (or text) to a rendered MP4 — quick create plus a render
that starts by itself when the project is ready. Used by the API, MCP and `fluxnote make`."""
