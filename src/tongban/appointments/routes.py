"""Every router of the appointments domain, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

routers: list[APIRouter] = []
