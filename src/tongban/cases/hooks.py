"""Plug-in points for domains that build on cases (bundles, credit, cross-region), so cases never imports them.

A domain registers its callbacks when its package is imported (its `__init__`); `tongban.app` and `tongban.cli`
import every domain, so the callbacks are in place wherever cases run. Each callback runs inside the caller's
transaction: what it writes commits or rolls back with the case step, and a `DomainError` it raises refuses the
step with its Chinese message and writes nothing.

- `register_router(fn)`: before an application is checked, `fn(db_session=, clock=, library=, applicant=, item=,
  channel=, staff=)` may answer another item's id to file the case under instead (cross-region service: an item
  applied for away from home goes to the home region's agency, XREG-02), or None.
- `register_before_submit(fn)`: after the application is checked and before anything is written,
  `fn(db_session=, clock=, library=, applicant=, item=, content=, submission=, channel=, staff=)`; it may raise to
  refuse (a black-listed applicant, CRED-02).
- `register_after_submit(fn)`: after the case, its first event and its materials are written,
  `fn(db_session=, clock=, case=, content=, applicant=, submission=, channel=, staff=)` (credit records the grade it
  applied, CRED-04).
- `register_step_guard(fn)`: before events are appended to a case, `fn(db_session=, case=, from_state=, to_state=,
  kinds=)` may raise to refuse the step (a bundle's later item is not accepted or decided before the items it
  follows are done, BND-05).
- `register_after_event(fn)`: after events are appended to a case, `fn(db_session=, clock=, case=, from_state=,
  to_state=, kinds=)` with the state before and after and the event kinds (bundles follow their sub-cases,
  cross-region feeds delivery back to the receiving window).
- `register_notice_code(fn)`: when a notice is issued, `fn(db_session=, clock=, case=, kind=)` may answer
  (text, caption, paragraph): a second QR code printed beside the verification code and a sentence explaining it (the
  signed rating link on a decision, RATE-01).
- `register_delivery_hold(fn)`: before a result is handed over, `fn(db_session=, case=)` may answer a Chinese reason
  to hold it (a bundle delivers all its results together, BND-07); the hand-over is refused with that reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Router = Callable[..., "int | None"]
Callback = Callable[..., Any]
Hold = Callable[..., "str | None"]

_routers: list[Router] = []
_before_submit: list[Callback] = []
_after_submit: list[Callback] = []
_step_guards: list[Callback] = []
_after_event: list[Callback] = []
_delivery_holds: list[Hold] = []
_notice_codes: list[Callback] = []


def _add(registry: list, fn):
    if fn not in registry:
        registry.append(fn)
    return fn


def register_router(fn: Router) -> Router:
    return _add(_routers, fn)


def register_before_submit(fn: Callback) -> Callback:
    return _add(_before_submit, fn)


def register_after_submit(fn: Callback) -> Callback:
    return _add(_after_submit, fn)


def register_step_guard(fn: Callback) -> Callback:
    return _add(_step_guards, fn)


def register_after_event(fn: Callback) -> Callback:
    return _add(_after_event, fn)


def register_delivery_hold(fn: Hold) -> Hold:
    return _add(_delivery_holds, fn)


def register_notice_code(fn: Callback) -> Callback:
    return _add(_notice_codes, fn)


def notice_code(**context) -> tuple[str, str, str] | None:
    for fn in _notice_codes:
        code = fn(**context)
        if code is not None:
            return code
    return None


def route(**context) -> int | None:
    """The first other item a router names, or None to file under the item applied for."""
    for fn in _routers:
        target = fn(**context)
        if target is not None:
            return target
    return None


def before_submit(**context) -> None:
    for fn in _before_submit:
        fn(**context)


def after_submit(**context) -> None:
    for fn in _after_submit:
        fn(**context)


def step_guard(**context) -> None:
    for fn in _step_guards:
        fn(**context)


def after_event(**context) -> None:
    for fn in _after_event:
        fn(**context)


def delivery_hold(**context) -> str | None:
    for fn in _delivery_holds:
        reason = fn(**context)
        if reason:
            return reason
    return None
