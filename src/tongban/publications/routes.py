"""Every router of publications, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.publications import api, pages

routers: list[APIRouter] = [api.router, pages.router]
