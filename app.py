"""The workbench's entry point: the page list and shared frame live in ui.navigation."""

from __future__ import annotations

from ui.navigation import run_app

run_app()
