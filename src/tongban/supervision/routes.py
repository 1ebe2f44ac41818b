"""Every router of the supervision domain, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.supervision import api, pages

routers: list[APIRouter] = [api.router, pages.router]
