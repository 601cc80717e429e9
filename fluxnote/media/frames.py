"""Output frame sizes: the one table of aspect ratio -> (width, height) in pixels."""

DEFAULT_ASPECT = "9:16"  # vertical: what short-video platforms show full screen
ASPECTS: dict[str, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "16:9": (1920, 1080),
    "1:1": (1080, 1080),
}


def orientation(aspect: str) -> int:
    """-1 for portrait, 1 for landscape, 0 for square (KeyError for an unknown aspect)."""
    width, height = ASPECTS[aspect]
    return (width > height) - (width < height)
