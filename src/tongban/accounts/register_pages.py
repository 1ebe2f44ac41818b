"""Registering a person online: details, an SMS code to the phone, then the base library's check and a password
(003 5-1 用户注册; ACC-01)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tongban.accounts import agreements, persons, sessions
from tongban.accounts.identity import KINDS_FOR_FORM, normalize_phone, validate
from tongban.accounts.presenters import new_session, oidc_name, sign_in
from tongban.accounts.verification import CodePurpose, send_code
from tongban.baselib.service import LIBRARY_FACTORS
from tongban.core.errors import InvalidInput
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Gateway, Library, Now, Short, client_ip
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
Secret = Annotated[str, Form(max_length=128)]

FACTOR_CHOICES = [(f.value, f.label) for f in LIBRARY_FACTORS]


def _register_ctx(values: dict, **extra) -> dict:
    return {"v": values, "kinds": KINDS_FOR_FORM, "factor_choices": FACTOR_CHOICES,
            "agreement": agreements.current("person"), "oidc_name": oidc_name(), **extra}


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request) -> HTMLResponse:
    return render(request, "accounts/register.html", **_register_ctx({"id_kind": "resident_id"}))


@router.post("/register/code", response_class=HTMLResponse)
def register_code(
    request: Request, db: Db, clock: Now, gateway: Gateway, _: Csrf, name: Short = "", id_kind: Short = "resident_id",
    id_number: Short = "", nationality: Short = "", phone: Short = "",
) -> Response:
    values = {"name": name.strip(), "id_kind": id_kind, "id_number": id_number, "nationality": nationality, "phone": phone}

    def send() -> None:
        if not values["name"]:
            raise InvalidInput("NAME_REQUIRED", "请填写姓名")
        values["id_number"] = validate(id_kind, id_number, nationality=nationality or None, today=persons.today(clock)).number
        values["phone"] = normalize_phone(phone)
        send_code(db_session=db, clock=clock, gateway=gateway, phone=values["phone"], purpose=CodePurpose.register,
                  client_ip=client_ip(request))

    return form_action(
        db, send,
        done=lambda _: render(request, "accounts/register_verify.html", sent=True, factors=[("", "")] * 2,
                              **_register_ctx(values)),
        failed=lambda exc: render(request, "accounts/register.html", status_code=exc.status_code, error=exc.message,
                                  **_register_ctx(values)),
    )


@router.post("/register", response_class=HTMLResponse)
def register(
    request: Request, db: Db, clock: Now, library: Library, _: Csrf, name: Short = "", id_kind: Short = "",
    id_number: Short = "", nationality: Short = "", phone: Short = "", sms_code: Short = "",
    factor_kind: Annotated[list[str], Form(max_length=5)] = [], factor_number: Annotated[list[str], Form(max_length=5)] = [],
    password: Secret = "", password2: Secret = "", agree: Short = "", agreement_version: Short = "",
) -> Response:
    values = {"name": name, "id_kind": id_kind, "id_number": id_number, "nationality": nationality, "phone": phone,
              "sms_code": sms_code}
    factors = list(zip(factor_kind, factor_number))

    def register_person() -> sessions.NewSession:
        if password != password2:
            raise InvalidInput("PASSWORD_MISMATCH", "两次输入的密码不一致")
        person = persons.register_online(db_session=db, clock=clock, library=library, client_ip=client_ip(request),
                                         registration=persons.Registration(
            name=name, id_kind=id_kind, id_number=id_number, phone=phone, sms_code=sms_code, password=password,
            agreement_version=agreement_version if agree else "", nationality=nationality or None,
            factors={kind: number for kind, number in factors if number.strip()},
        ))
        return new_session(request, db, clock, person.id, restricted=False)

    def failed(exc) -> Response:
        rows = (factors + [("", "")] * 2)[:max(2, len(factors))]
        return render(request, "accounts/register_verify.html", status_code=exc.status_code, error=exc.message,
                      factors=rows, **_register_ctx(values))

    return form_action(db, register_person, done=lambda new: sign_in(see_other("/account", msg="registered"), new),
                       failed=failed)
