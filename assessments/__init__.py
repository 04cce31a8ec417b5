"""The domain of the AI risk and impact workbench: models, scoring, storage, reports, CLI.

Nothing in this package imports streamlit, so every rule here is testable and reusable
from the command line.
"""
