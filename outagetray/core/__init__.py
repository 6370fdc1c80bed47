"""The pure-Python core: every decision lives here, and nothing here imports Qt."""
