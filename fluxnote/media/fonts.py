"""The vendored caption fonts (see fonts/README.md for sources and licences)."""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"

# name -> file in FONT_DIR; names are what styles and overrides refer to.
_FILES: dict[str, str] = {
    "Bebas Neue": "BebasNeue-Bold.otf",
    "League Spartan": "LeagueSpartan-Black.otf",
    "Open Sans ExtraBold": "OpenSans-ExtraBold.ttf",
    "Roboto Black": "Roboto-Black.ttf",
    "Roboto Condensed": "RobotoCondensed-Bold.ttf",
    "DejaVu Sans Bold": "DejaVuSans-Bold.ttf",
    "DejaVu Sans": "DejaVuSans.ttf",
}

FONTS: list[str] = list(_FILES)


def font_path(name: str) -> Path:
    """Return the path of the vendored font `name` (one of FONTS).

    Raises KeyError for an unknown name and FileNotFoundError if the package
    was installed without its font data.
    """
    path = FONT_DIR / _FILES[name]
    if not path.is_file():
        raise FileNotFoundError(path)
    return path
