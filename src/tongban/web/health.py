"""`/healthz`: is the portal up and can it reach its database.

Load balancers ask many times a second. The database is pinged in the threadpool at most once per `MAX_AGE`
seconds; between pings the answer is the last ping's, so the check costs the event loop almost nothing and still
turns unhealthy (500, the database error logged) within a second of the database going away.
"""

from __future__ import annotations

import json
import time

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

import tongban
from tongban.core import db as core_db

MAX_AGE = 1.0  # seconds a successful ping is trusted


class DatabaseHealth:
    def __init__(self, max_age: float = MAX_AGE) -> None:
        self.max_age = max_age
        self.checked_at = float("-inf")
        self.body = b""

    def _ping(self) -> None:
        engine = core_db.get_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        self.body = json.dumps({"status": "ok", "version": tongban.__version__, "database": engine.dialect.name},
                               separators=(",", ":")).encode()
        self.checked_at = time.monotonic()

    async def answer(self) -> Response:
        if time.monotonic() - self.checked_at >= self.max_age:
            await run_in_threadpool(self._ping)
        return Response(self.body, media_type="application/json")
