"""Every router of the catalog, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.catalog import api, exchange_api, pages, staff_directory_api, staff_directory_pages, staff_pages

routers: list[APIRouter] = [api.router, exchange_api.router, staff_directory_api.router, staff_directory_pages.router, staff_pages.router, pages.router]
