"""Every router of policies, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.policies import api, pages, staff_api, staff_pages

routers: list[APIRouter] = [staff_api.router, api.router, staff_pages.router, pages.router]
