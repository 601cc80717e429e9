"""The Render domain: render rows, the render job, its API, pages and sweeper (free: no credits)."""
