"""Every router of notifications, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.notify import pages

routers: list[APIRouter] = [pages.router]
