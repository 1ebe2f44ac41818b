"""Every router of complaints, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.complaints import api, pages, staff_api, staff_pages

routers: list[APIRouter] = [staff_api.router, staff_api.feedback_router, staff_api.suggestions_router, staff_api.desk_router,
                            api.router, api.feedback_router, api.desk_router, staff_pages.router, pages.router]
