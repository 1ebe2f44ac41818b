"""我要查: public progress by case number and check digits, or by the QR code of the acceptance notice (SRCH-06, CASE-05);
and the development payment gateway's page (CASE-13)."""

from __future__ import annotations

import re
import secrets
import threading
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tongban.cases import payments, views
from tongban.cases import service as cases
from tongban.cases.enums import PaymentStatus
from tongban.cases.models import Case
from tongban.core.clock import Clock
from tongban.core.errors import NotFound
from tongban.web.deps import check_csrf, get_clock, get_db
from tongban.web.pages import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(get_db)]
Now = Annotated[Clock, Depends(get_clock)]
Csrf = Annotated[None, Depends(check_csrf)]

NOT_FOUND = "办件编号或后四位不正确，请核对后再查"  # one answer for "no such case" and "wrong digits"
DIGITS = re.compile(r"^[0-9X]{4}$")
MAX_FAILURES = 10  # wrong tries per case number per hour: four digits must not be walked
WINDOW = timedelta(hours=1)


class _Failures:
    """Wrong tries per case number in this process, counted whether the number exists or not."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, list[datetime]] = {}

    def blocked(self, number: str, now: datetime) -> bool:
        with self._lock:
            recent = [t for t in self._seen.get(number, []) if now - t < WINDOW]
            self._seen[number] = recent
            return len(recent) >= MAX_FAILURES

    def add(self, number: str, now: datetime) -> None:
        with self._lock:
            if len(self._seen) > 10_000:  # forget the quiet ones so the table stays small
                self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < WINDOW}
            self._seen.setdefault(number, []).append(now)


def _failures(request: Request) -> _Failures:
    state = request.app.state
    if not hasattr(state, "progress_failures"):
        state.progress_failures = _Failures()
    return state.progress_failures


def _match(db: Session, number: str, digits: str) -> Case | None:
    return cases.by_number_and_digits(db_session=db, case_number=number, digits=digits)


def _page(request: Request, *, number: str = "", result=None, error: str = "", errors: dict | None = None,
          status_code: int = 200, by_qr: bool = False) -> HTMLResponse:
    return render(request, "cases/progress.html", status_code=status_code, number=number, result=result, error=error,
                  errors=errors or {}, by_qr=by_qr)


@router.get("/progress", response_class=HTMLResponse)
def progress_form(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/progress", response_class=HTMLResponse)
def progress_lookup(request: Request, db: Db, clock: Now, number: Annotated[str, Form(max_length=100)] = "",
                    digits: Annotated[str, Form(max_length=100)] = "") -> HTMLResponse:
    """A read, posted so that the check digits stay out of addresses and access logs."""
    number, digits = number.strip().upper(), digits.strip().upper()
    errors = {}
    if not number:
        errors["number"] = "请填写办件编号（在受理通知书或短信里）"
    if not DIGITS.fullmatch(digits):
        errors["digits"] = "请填写 4 位：手机号后四位，或证件号码 / 统一社会信用代码的后四位"
    if errors:
        return _page(request, number=number, error="请按提示修改后再查", errors=errors, status_code=422)
    failures, now = _failures(request), clock.now()
    if failures.blocked(number, now):
        return _page(request, number=number, status_code=429,
                     error="这个办件编号查询错误次数过多，请一小时后再试；也可以登录后在“我的办件”里查看")
    case = _match(db, number, digits)
    if case is None:
        failures.add(number, now)
        return _page(request, number=number, error=NOT_FOUND, status_code=404)
    return _page(request, number=number, result=views.progress(db_session=db, case=case))


@router.get("/progress/t/{token}", response_class=HTMLResponse)
def progress_by_qr(request: Request, token: Annotated[str, Path(min_length=10, max_length=64)], db: Db) -> HTMLResponse:
    """The QR code on the acceptance notice: the token is unguessable, so no digits are asked."""
    case = cases.by_tracking(db_session=db, token=token)
    return _page(request, result=views.progress(db_session=db, case=case), by_qr=True)


# --- the development payment gateway ---------------------------------------------------------------

def _dev_gateway() -> payments.PaymentGateway:
    gateway = payments.gateway_from_settings()
    if gateway.name != "dev":
        raise NotFound("NOT_FOUND", "您访问的页面或数据不存在")
    return gateway


@router.get("/pay/dev/{order_number}", response_class=HTMLResponse)
def dev_pay_page(request: Request, order_number: Annotated[str, Path(max_length=40)], db: Db) -> HTMLResponse:
    """Plays the payment platform in development: the order, its amount, and buttons that post a signed callback."""
    _dev_gateway()
    payment = payments.by_order(db_session=db, order_number=order_number)
    case = cases.get(db_session=db, case_id=payment.case_id)
    return render(request, "cases/pay_dev.html", payment=payment, item_name=case.item_name, case_number=case.case_number,
                  paid=payment.status == PaymentStatus.paid.value, case_id=case.id)


@router.post("/pay/dev/{order_number}")
def dev_pay(order_number: Annotated[str, Path(max_length=40)], db: Db, clock: Now, _csrf: Csrf,
            outcome: Annotated[str, Form(pattern=r"^(paid|failed)$")] = "paid") -> Response:
    gateway = _dev_gateway()
    payment = payments.by_order(db_session=db, order_number=order_number)
    body = payments.callback_body(payment=payment, gateway_ref="DEV" + secrets.token_hex(8).upper(), status=outcome)
    payment = payments.handle_callback(db_session=db, clock=clock, gateway=gateway, body=body, signature=gateway.sign(body))
    db.commit()
    msg = "paid" if payment.status == PaymentStatus.paid.value else "payment_failed"
    return RedirectResponse(f"/cases/{payment.case_id}?msg={msg}", status_code=303)
