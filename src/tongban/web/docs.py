"""The API documentation pages (/docs, /redoc) with Swagger UI and ReDoc served from the installed package, not a
CDN: a government intranet does not reach one, and the pages then need no script from anywhere but this server."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/static/api-docs"  # swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png


def assets_dir() -> Path:
    """The Swagger UI and ReDoc files the fastapi-offline package ships (see pyproject.toml)."""
    return Path(str(resources.files("fastapi_offline"))) / "static"


def install(app: FastAPI) -> None:
    """Mounts the assets and the two pages; create the app with docs_url=None and redoc_url=None."""
    app.mount(ASSETS, StaticFiles(directory=str(assets_dir())), name="api-docs")
    templates = app.state.templates

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        return HTMLResponse(templates.get_template("api_docs.html").render(
            title=app.title, openapi_url=app.openapi_url, assets=ASSETS, ui="swagger"))

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        return HTMLResponse(templates.get_template("api_docs.html").render(
            title=app.title, openapi_url=app.openapi_url, assets=ASSETS, ui="redoc"))
