"""Every router of the service guide, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.guide import api, pages

# The API first: /items/{id}/guide.pdf is more specific than the catalog's /items/{id}.
routers: list[APIRouter] = [api.router, pages.router]
