"""Every router of bundles, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.bundles import api, apply_api, apply_pages, pages, staff_api, staff_cases_api, staff_cases_pages, staff_pages

routers: list[APIRouter] = [staff_cases_api.router, apply_api.router, staff_api.router, staff_cases_pages.router,
                            staff_pages.router, api.router, apply_pages.router, pages.router]
