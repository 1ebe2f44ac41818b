"""The FastAPI application: JSON API under /api/v1, portal pages at /, staff pages at /staff/."""

from __future__ import annotations

import importlib
import logging
import threading
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import SQLAlchemyError

import tongban
from tongban.core import db as core_db
from tongban.core.clock import Clock, SystemClock
from tongban.core.config import check_adapters, get_settings
from tongban.core.logs import configure_logging
from tongban.notify.sms import SmsGateway, gateway_from_settings
from tongban.search.query import MAX_QUERY_CHARS
from tongban.web import docs, errors, filters, openapi
from tongban.web.body_limits import BodyLimitMiddleware
from tongban.web.headers import SecurityHeadersMiddleware
from tongban.web.health import DatabaseHealth
from tongban.web.preferences import PreferencesMiddleware
from tongban.web.render_cache import RenderCache

log = logging.getLogger(__name__)
# The packages whose routes.py lists routers, in the order the app includes them.
# FastAPI tries routes one by one, so the pages people read most come first: the home page, guides, items, search.
ROUTE_PACKAGES = ("web", "guide", "catalog", "search", "publications", "cases", "appointments", "accounts", "assistant",
                  "knowledge", "helpdesk", "ratings", "complaints", "bundles", "credit", "policies", "crossregion", "notify",
                  "workdays", "supervision")
DOMAINS_WITH_TEMPLATES = ("web", "catalog", "guide", "search", "publications", "accounts", "notify", "cases", "supervision", "appointments", "workdays", "assistant", "knowledge", "helpdesk", "ratings", "complaints", "bundles", "credit", "policies", "crossregion")


def _templates() -> Environment:
    root = Path(str(resources.files("tongban")))
    loaders = [FileSystemLoader(str(root / d / "templates")) for d in DOMAINS_WITH_TEMPLATES if (root / d / "templates").is_dir()]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html", "xml", "svg"]))
    env.globals["portal_name"] = get_settings().portal_name
    env.globals["version"] = tongban.__version__
    env.globals["search_max_chars"] = MAX_QUERY_CHARS  # every search box's maxlength
    filters.install(env)
    return env


def _warm_search(app: FastAPI) -> None:
    """Build the search index in the background, so the first person to search does not wait for it."""
    try:
        with core_db.session_scope() as session:
            app.state.search_hub.engine_for(session, app.state.clock)
    except SQLAlchemyError:
        log.exception("search index warm-up failed; the first search will build it")


@asynccontextmanager
async def _lifespan(app: FastAPI):
    if app.state.warm_search:
        threading.Thread(target=_warm_search, args=(app,), name="search-warm-up", daemon=True).start()
    worker = None
    if app.state.inprocess_worker:  # SQLite installs: jobs run in this process (PostgreSQL: `tongban worker`)
        from tongban.notify.worker import start_inprocess_worker

        worker = start_inprocess_worker(clock=app.state.clock, deps={"sms_gateway": app.state.sms_gateway})
    yield
    if worker is not None:
        worker.stop()


def serve_app() -> FastAPI:
    """The application as `tongban serve` runs it: the search index starts building at once.

    Refuses (DevelopmentAdapterError) a development adapter outside a development configuration, and logs
    the adapters in use, so an operator sees at start-up what the server talks to.
    """
    settings = get_settings()
    configure_logging()
    in_use = check_adapters(settings)
    log.info(
        "adapters in use (%s): %s", settings.env, "; ".join(f"{a.role}={a.choice}" for a in in_use),
        extra={"env": settings.env, "adapters": {a.role: a.choice for a in in_use}},
    )
    return create_app(warm_search=True, inprocess_worker=settings.inprocess_worker)


def create_app(
    *, clock: Clock | None = None, database_url: str | None = None, warm_search: bool = False, sms_gateway: SmsGateway | None = None,
    inprocess_worker: bool = False,
) -> FastAPI:
    configure_logging()
    if database_url is not None:
        core_db.configure(database_url)
    app = FastAPI(
        lifespan=_lifespan,
        docs_url=None,  # web.docs serves /docs and /redoc with the packaged Swagger UI and ReDoc
        redoc_url=None,
        title="通办 tongban API",
        version=tongban.__version__,
        description="一体化政务服务平台：事项库、办事指南、检索与办件的开放接口。"
        "错误统一为 {\"error\": {\"code\", \"message\", \"details\"}}（见 Error）。",
    )
    app.state.clock = clock or SystemClock()
    app.state.templates = _templates()
    app.state.sms_gateway = sms_gateway or gateway_from_settings()
    app.state.warm_search, app.state.inprocess_worker = warm_search, inprocess_worker
    from tongban.search.service import SearchHub

    app.state.search_hub = SearchHub()
    app.state.render_cache = RenderCache()  # guides, item JSON and the home page per published state

    app.add_middleware(PreferencesMiddleware)
    errors.install(app)
    openapi.install(app)
    # Added last, so they run first: an oversized body is refused before anything reads it, and every
    # answer (that refusal too) carries the security headers.
    app.add_middleware(BodyLimitMiddleware, respond=errors.respond)
    app.add_middleware(SecurityHeadersMiddleware)
    docs.install(app)  # before /static: its assets live under /static/api-docs
    static_dir = Path(str(resources.files("tongban"))) / "web" / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")

    health = DatabaseHealth()

    @app.get("/healthz", tags=["ops"], summary="健康检查（数据库每秒至多检查一次）",
             responses={200: {"content": {"application/json": {"example": {"status": "ok", "version": "0.1.0", "database": "sqlite"}}}}})
    async def healthz() -> Response:
        return await health.answer()

    # Every package lists its routers in its routes.py. The order matters only where paths overlap: the
    # guide's /items/{id}/guide.pdf before the catalog's /items/{id}, the halls' /halls/map before /halls/{id}
    # (within appointments); tests/web/test_routes.py checks that no route is hidden behind an earlier one.
    for package in ROUTE_PACKAGES:
        for router in importlib.import_module(f"tongban.{package}.routes").routers:
            app.include_router(router)
    return app
