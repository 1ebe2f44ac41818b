"""How the app wires its routes: every package's routes.py, and no route hidden behind an earlier one."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from starlette.routing import Match

import tongban
from tongban.app import ROUTE_PACKAGES

SRC = Path(tongban.__file__).parent
ROUTE_MODULE = re.compile(r"^(pages|api|staff_pages|staff_api|[a-z]+_pages|[a-z]+_api|staff_[a-z]+_pages|staff_[a-z]+_api)\.py$")


def _flat_routes():
    for package in ROUTE_PACKAGES:
        for router in importlib.import_module(f"tongban.{package}.routes").routers:
            yield from router.routes


def _sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "7", path)


def test_no_route_is_hidden_behind_an_earlier_one():
    routes = list(_flat_routes())
    hidden = []
    for route in routes:
        for method in sorted(route.methods or ()):
            scope = {"type": "http", "path": _sample(route.path), "method": method, "root_path": ""}
            first = next(r for r in routes if r.matches(scope)[0] == Match.FULL)
            if first is not route:
                hidden.append(f"{method} {route.path} is answered by {first.path} ({first.endpoint.__module__})")
    assert not hidden, hidden


def test_every_route_module_is_listed_in_its_packages_routes():
    listed = {id(router) for package in ROUTE_PACKAGES for router in importlib.import_module(f"tongban.{package}.routes").routers}
    unlisted = []
    for path in sorted(SRC.glob("*/*.py")):
        if not ROUTE_MODULE.match(path.name):
            continue
        module = importlib.import_module(f"tongban.{path.parent.name}.{path.stem}")
        router = getattr(module, "router", None)
        if router is not None and id(router) not in listed:
            unlisted.append(f"{path.parent.name}/{path.name}")
    assert not unlisted, f"route modules not in their package's routes.py: {unlisted}"


def test_route_modules_do_not_import_each_other():
    """Shared helpers live in presenters, schemas or web/; a route module imports no other route module."""
    offenders = []
    for path in sorted(SRC.glob("*/*.py")):
        if not ROUTE_MODULE.match(path.name):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            found = re.match(r"from tongban\.(\w+)\.(\w+) import|from tongban\.(\w+) import (.+)", line)
            if not found:
                continue
            if found.group(2):
                names = [found.group(2)]
            else:
                names = [n.strip().split(" as ")[0] for n in found.group(4).strip("()").split(",")]
            for name in names:
                if ROUTE_MODULE.match(f"{name}.py"):
                    offenders.append(f"{path.parent.name}/{path.name}: {line.strip()}")
    assert not offenders, offenders


SHARED_ALIASES = ("Db", "Now", "Staff", "Csrf", "Me", "MeAny", "MaybeMe", "Library", "Gateway", "Id", "Posted", "Hub")


def test_route_modules_use_the_shared_dependency_aliases():
    """`Db`, `Me`, `Id`… are declared once in web/deps.py; a route module that declares its own drifts."""
    from tongban.web import deps

    own = []
    for path in sorted(SRC.glob("*/*.py")):
        if not ROUTE_MODULE.match(path.name):
            continue
        module = importlib.import_module(f"tongban.{path.parent.name}.{path.stem}")
        own += [f"{path.parent.name}/{path.name}: {alias}" for alias in SHARED_ALIASES
                if hasattr(module, alias) and getattr(module, alias) is not getattr(deps, alias)]
    assert not own, own
