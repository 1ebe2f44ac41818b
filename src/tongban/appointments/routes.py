"""Every router of the appointments domain, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.appointments import api, staff_api

routers: list[APIRouter] = [api.router, staff_api.router]
