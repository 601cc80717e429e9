"""Rendering engine: RenderSpec -> MP4 (compose), pure: no database, no app."""
