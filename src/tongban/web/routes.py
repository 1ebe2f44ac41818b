"""Every router of the portal itself (home, help, language), in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.web import pages

routers: list[APIRouter] = [pages.router]
