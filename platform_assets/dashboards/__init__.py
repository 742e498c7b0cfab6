"""The omnilake dashboards: a Streamlit app (`omnilake dashboards`) with a page per restaurants mart
(read from the warehouse) plus the ad ROAS and journeys channel reports (read from the gold lake tables).

`app.py` is the entry point (navigation), `pages/` holds one script per page, `data.py` the data access and
`ui.py` the shared widgets. Every page explains what is missing when there is no data yet.
"""

from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
