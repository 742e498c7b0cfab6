"""One Streamlit script per dashboard page (run through `app.py`'s navigation; not imported)."""
