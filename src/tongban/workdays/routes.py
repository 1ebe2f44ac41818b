"""Every router of the working-day calendar domain, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.workdays import pages

routers: list[APIRouter] = [pages.router]
