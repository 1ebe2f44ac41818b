"""Every router of cases, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.cases import api, apply_pages, pages, progress_pages, staff_api, staff_intake_pages, staff_pages, verify_pages

routers: list[APIRouter] = [api.router, staff_api.router, apply_pages.router, progress_pages.router, pages.router, staff_intake_pages.router, staff_pages.router, verify_pages.router]
