"""Caption styles, layout and sprite rendering, driven by stored word timings."""
