"""Dashboard fixtures: the render tests' fake spec builder (tiny renders)."""

from tests.render.conftest import fake_builder  # noqa: F401
