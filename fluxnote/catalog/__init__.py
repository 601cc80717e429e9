"""The model catalogue: every generation model FluxNote knows, read from models.json."""
