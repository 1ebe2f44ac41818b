"""Every router of the appointments domain, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.appointments import api, booking_pages, pages, staff_api, staff_calling_pages, staff_pages

# The public pages come first: /halls/map and /halls/directory before /halls/{hall_id}.
routers: list[APIRouter] = [api.router, staff_api.router, pages.router, booking_pages.router, staff_pages.router,
                            staff_calling_pages.router]
