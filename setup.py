"""Build hook: the wheel carries the top-level `templates/`, `static/` and `migrations/`.

They stay at the top of the checkout (where a newcomer looks for them); a wheel copies
them into the package as `fluxnote/_site/<name>`, where `fluxnote.site_path` finds them.
An editable install reads the checkout's folders directly and copies nothing.
Everything else about the build is declared in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SITE_DIRS = ("templates", "static", "migrations")


class BuildPyWithSite(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        root = Path(__file__).resolve().parent
        for name in SITE_DIRS:
            target = Path(self.build_lib) / "fluxnote" / "_site" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                root / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )


setup(cmdclass={"build_py": BuildPyWithSite})
