"""What every page form that changes something does: run the change, commit, and answer.

    return form_action(db, lambda: service.change(db_session=db, ...),
                       done=lambda row: see_other(f"/things/{row.id}", msg="已保存"),
                       failed=lambda exc: _form_page(request, ..., error=exc.message, status_code=exc.status_code))

When the rules refuse the change (a `DomainError`), nothing of it is kept: the session is rolled back and the
form is shown again with the refusal's Chinese message and its 4xx status. Any other exception is not a refusal
and propagates (the error handler answers it and the session is closed without a commit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from tongban.core.errors import DomainError

T = TypeVar("T")


def form_action(db: Session, change: Callable[[], T], *, done: Callable[[T], Response],
                failed: Callable[[DomainError], Response]) -> Response:
    try:
        result = change()
        db.commit()
    except DomainError as exc:
        db.rollback()
        return failed(exc)
    return done(result)


def see_other(path: str, **query: object) -> RedirectResponse:
    """Post/redirect/get: a 303 to `path`, with `query` (e.g. `msg="已保存"`) added; empty values are left out."""
    params = {k: v for k, v in query.items() if v not in (None, "")}
    if params:
        path = f"{path}{'&' if '?' in path else '?'}{urlencode(params)}"
    return RedirectResponse(path, status_code=303)
