"""Studio jobs (RQ): take ids, run inside the worker's app context."""
from fluxnote.studio.build import build_project as _build


def build_project(project_id: int) -> None:
    """Build a quick-created project's media; the project row records success or failure."""
    _build(project_id)
