"""`tongban supervision …` commands."""

from __future__ import annotations

import typer

supervision_app = typer.Typer(help="电子监察", no_args_is_help=True)
