"""我要查: public progress by case number and check digits, or by the QR code of the acceptance notice (SRCH-06, CASE-05);
and the development payment gateway's page (CASE-13)."""

from __future__ import annotations

import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tongban.cases import lookup, payments
from tongban.cases import service as cases
from tongban.cases.enums import PaymentStatus
from tongban.core.errors import DomainError, NotFound
from tongban.web.actions import form_action
from tongban.web.deps import Csrf, Db, Now, client_ip
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)

DIGITS = re.compile(r"^[0-9X]{4}$")


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
    number, digits = lookup.normalize(number, digits)
    errors = {}
    if not number:
        errors["number"] = "请填写办件编号（在受理通知书、回执或短信上）"
    if digits and not DIGITS.fullmatch(digits):
        errors["digits"] = "请填写 4 位：手机号后四位，或证件号码 / 统一社会信用代码的后四位；也可以不填，只看办理状态"
    if errors:
        return _page(request, number=number, error="请按提示修改后再查", errors=errors, status_code=422)

    def failed(refused: DomainError) -> HTMLResponse:  # the refused guess is counted already (lookup.look_up commits it)
        field = {"CASE_DIGITS_WRONG": "digits", "CASE_NOT_FOUND": "number"}.get(refused.code)
        return _page(request, number=number, error=refused.message, errors={field: refused.message} if field else {},
                     status_code=refused.status_code)

    return form_action(db, lambda: lookup.look_up(db_session=db, clock=clock, number=number, digits=digits,
                                                  client_ip=client_ip(request)),
                       done=lambda result: _page(request, number=number, result=result), failed=failed)


@router.get("/progress/t/{token}", response_class=HTMLResponse)
def progress_by_qr(request: Request, token: Annotated[str, Path(min_length=10, max_length=64)], db: Db) -> HTMLResponse:
    """The QR code on the acceptance notice: the token is unguessable, so no digits are asked."""
    return _page(request, result=lookup.by_tracking(db_session=db, token=token), by_qr=True)


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
