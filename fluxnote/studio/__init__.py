"""The studio: projects, scenes, quick create, the editor and the render spec."""
