"""Every router of the supervision domain, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.supervision import staff_api, staff_pages

routers: list[APIRouter] = [staff_api.router, staff_pages.router]
