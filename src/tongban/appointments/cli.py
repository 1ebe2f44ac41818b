"""`tongban appointments …` commands."""

from __future__ import annotations

import typer

appointments_app = typer.Typer(help="预约、取号与服务地图", no_args_is_help=True)
