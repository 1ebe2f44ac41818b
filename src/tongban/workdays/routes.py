"""Every router of the working-day calendar domain, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.workdays import api, staff_api, staff_pages

routers: list[APIRouter] = [api.router, staff_api.router, staff_pages.router]
