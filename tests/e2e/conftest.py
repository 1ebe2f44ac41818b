"""End-to-end harness: a real `tongban serve` process and Debian's Chromium driven by Playwright.

The server gets its own temporary SQLite database (migrated and seeded with the demo catalog), so
these tests never touch TONGBAN_TEST_DATABASE_URL: they test pages, not the database engine, and the
PostgreSQL suite leaves them to the SQLite suite (tests/conftest.py, `db_independent`). Each
pytest-xdist worker that runs an e2e test starts its own server on its own free port, on its own copy
of one seeded demo: the first worker to need it migrates and seeds it (under a file lock, in the
session's shared temporary directory), the others copy it, key file included. `make test` uses
`--dist loadfile`, so the tests of one file share one worker and one server. (`--dist loadgroup` would be the finer tool, but
pytest-xdist 3.8 does not apply xdist_group under pytest 9.2: it sets `item._nodeid`, which pytest
no longer reads.)

Chromium is Debian's (/usr/bin/chromium, or TONGBAN_CHROMIUM); Playwright never downloads a browser
here. Without it the tests skip, except when the CI environment variable is set: then they fail, so a
CI run cannot pass by skipping them.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TONGBAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 60.0  # seconds for /healthz to answer
STEP_TIMEOUT = 120  # seconds for `db upgrade` or `seed demo`


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"{reason} (CI is set, so e2e tests fail instead of skipping)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    """Mark every test in this folder `e2e` (so `-m e2e` / `-m "not e2e"` select them)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Never send loopback requests through an HTTP proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _tongban(args: list[str], env: dict, cwd: Path, log: Path) -> None:
    with log.open("ab") as out:
        out.write(f"\n$ tongban {' '.join(args)}\n".encode())
        out.flush()
        done = subprocess.run(
            [sys.executable, "-m", "tongban.cli", *args],
            env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=STEP_TIMEOUT,
        )
    if done.returncode != 0:
        pytest.fail(f"`tongban {' '.join(args)}` exited {done.returncode}:\n{_tail(log)}", pytrace=False)


def _wait_healthy(proc: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before /healthz answered:\n{_tail(log)}")
        try:
            with _opener.open(f"{base_url}/healthz", timeout=2) as resp:
                body = json.loads(resp.read())
                if resp.status == 200 and body.get("status") == "ok":
                    return
                last = f"HTTP {resp.status}: {body}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise RuntimeError(f"/healthz did not answer within {STARTUP_TIMEOUT:.0f} s ({last}):\n{_tail(log)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _server_env(root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    env.update(
        TONGBAN_DATABASE_URL=f"sqlite:///{root / 'e2e.db'}",
        TONGBAN_VAR_DIR=str(root),
        TONGBAN_LOG_JSON="0",
        TONGBAN_ENV="development",  # file SMS, dev payments and a generated key file
        PYTHONUNBUFFERED="1",
    )
    return env


def _seeded_demo(tmp_path_factory) -> Path:
    """One migrated, seeded demo (database and var files) per test session, shared by the xdist workers."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the session's directory, above each worker's own
    template = shared / "e2e-demo"
    with (shared / "e2e-demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker seeds; the others wait for it and copy
        if not (template / "seeded").exists():
            shutil.rmtree(template, ignore_errors=True)
            template.mkdir()
            env, log = _server_env(template), template / "seed.log"
            _tongban(["db", "upgrade"], env, template, log)
            _tongban(["seed", "demo"], env, template, log)
            (template / "seeded").write_text("ok")
    return template


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> str:
    """Base URL (no trailing slash) of a tongban server on its own copy of the seeded demo database."""
    root = tmp_path_factory.mktemp("e2e")
    shutil.copytree(_seeded_demo(tmp_path_factory), root, dirs_exist_ok=True)
    log = root / "server.log"
    env = _server_env(root)

    for attempt in range(3):  # the free port may be taken between choosing and binding it
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        out = log.open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tongban.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        out.close()
        try:
            _wait_healthy(proc, base_url, log)
            break
        except RuntimeError as exc:
            exited_early = proc.poll() is not None
            _stop(proc)
            if attempt == 2 or not exited_early:
                pytest.fail(str(exc), pytrace=False)
    try:
        yield base_url
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, launched once per session (per xdist worker)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        _unavailable(
            f"Chromium not found at {CHROMIUM}"
            + (f" (but {found} exists: set TONGBAN_CHROMIUM)" if found else "; install it: apt-get install chromium")
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) and page; downloads allowed; base URL set."""
    context = browser.new_context(base_url=live_server, accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
