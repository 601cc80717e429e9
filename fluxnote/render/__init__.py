"""Rendering: RenderSpec -> MP4 (compose), the Render model, job and API."""
