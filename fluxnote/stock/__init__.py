"""Stock footage from Pexels and Pixabay: search, rank, download once, attribute."""
