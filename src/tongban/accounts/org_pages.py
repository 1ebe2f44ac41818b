"""Portal pages for organisations: registration by the legal representative and delegation (003 5-2, 法人用户授权)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts import agreements, delegation, organisations, persons
from tongban.accounts.access import PersonActor
from tongban.accounts.identity import KINDS_FOR_FORM
from tongban.accounts.presenters import STATUS_LABELS, day, notice
from tongban.accounts.schemas import DelegationOut
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.errors import DomainError, InvalidInput, NotFound
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Library, Long, Me, Now, Short
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _until(value: str) -> datetime:
    """A date typed on the form means "to the end of that day" in Shanghai."""
    try:
        last = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("DATE_FORMAT", "请按“年-月-日”填写截止日期，例如 2027-06-30") from None
    return datetime.combine(last + timedelta(days=1), time.min, tzinfo=SHANGHAI)


# --- organisations (ACC-04) -----------------------------------------------------------------------

@router.get("/orgs", response_class=HTMLResponse)
def orgs_page(request: Request, db: Db, clock: Now, me: Me, uscc: Annotated[str, Query(max_length=40)] = "") -> HTMLResponse:
    mine = [(organisations.view(org), role)
            for org, role in delegation.organisations_for(db_session=db, clock=clock, person_id=me.person_id)]
    found, error, status = None, "", 200
    if uscc.strip():
        try:
            org = organisations.find_by_uscc(db_session=db, uscc=uscc)
            if org is None:
                raise NotFound("ORGANISATION_NOT_FOUND", "该单位尚未注册法人账号，请联系单位的法定代表人先行注册")
            found = organisations.view(org)
        except DomainError as exc:
            error, status = exc.message, exc.status_code
    return render(request, "accounts/orgs.html", status_code=status, mine=mine, found=found, uscc=uscc, error=error)


@router.get("/orgs/register", response_class=HTMLResponse)
def org_register_page(request: Request, me: Me) -> HTMLResponse:
    return render(request, "accounts/org_register.html", agreement=agreements.current("org"), uscc="")


@router.post("/orgs/register", response_class=HTMLResponse)
def org_register(request: Request, db: Db, clock: Now, library: Library, me: Me, _: Csrf, uscc: Short = "",
                 agree: Short = "", agreement_version: Short = "") -> Response:
    return form_action(
        db, lambda: organisations.register_online(db_session=db, clock=clock, library=library, actor=me, uscc=uscc,
                                                  agreement_version=agreement_version if agree else ""),
        done=lambda org: see_other(f"/orgs/{org.id}", msg="org"),
        failed=lambda exc: render(request, "accounts/org_register.html", status_code=exc.status_code, error=exc.message,
                                  agreement=agreements.current("org"), uscc=uscc),
    )


def _row(view: DelegationOut, me: PersonActor, is_rep: bool) -> dict:
    mine = view.grantee_person_id == me.person_id
    return {
        "v": view, "status": STATUS_LABELS.get(view.status, view.status),
        "scope": "、".join(view.item_scope) if view.item_scope else "全部事项",
        "valid": f"{day(view.valid_from)} 至 {day(view.valid_until, last=True)}",
        "until": day(view.valid_until, last=True), "mine": mine,
        "can_decide": is_rep and view.status == "requested",
        "can_change": view.status == "active" and (is_rep or view.grantor_person_id == me.person_id),
        "can_revoke": view.status == "active" or (view.status == "requested" and mine),
    }


def _org_page(request: Request, db: Session, clock: Clock, me: PersonActor, org_id: int, status_code: int = 200,
              **extra) -> HTMLResponse:
    org = organisations.get(db_session=db, organisation_id=org_id)
    views = delegation.view(db_session=db, clock=clock, actor=me, organisation_id=org_id)
    is_rep = org.legal_rep_person_id == me.person_id
    parents = [v for v in views if v.grantee_person_id == me.person_id and v.effective and v.may_redelegate
               and v.depth < delegation.MAX_DEPTH]
    return render(request, "accounts/org.html", status_code=status_code, org=organisations.view(org), is_rep=is_rep,
                  rows=[_row(v, me, is_rep) for v in views], parents=parents, kinds=KINDS_FOR_FORM,
                  notice=notice(request), form=extra.pop("form", {}), **extra)


def _org_error(request: Request, db: Session, clock: Clock, me: PersonActor, org_id: int,
               form: dict | None = None) -> Callable[[DomainError], HTMLResponse]:
    """`failed` for the organisation page's forms: the page again, with the refusal and what was typed."""
    return lambda exc: _org_page(request, db, clock, me, org_id, exc.status_code, error=exc.message, form=form or {})


@router.get("/orgs/{org_id}", response_class=HTMLResponse)
def org_page(org_id: int, request: Request, db: Db, clock: Now, me: Me) -> HTMLResponse:
    return _org_page(request, db, clock, me, org_id)


@router.post("/orgs/{org_id}/delegations", response_class=HTMLResponse)
def grant(org_id: int, request: Request, db: Db, clock: Now, me: Me, _: Csrf, grantee_id_kind: Short = "resident_id",
          grantee_id_number: Short = "", grantee_name: Short = "", item_scope: Long = "", valid_until: Short = "",
          may_redelegate: Short = "", parent_id: Short = "", note: Short = "") -> Response:
    form = {"grantee_id_kind": grantee_id_kind, "grantee_id_number": grantee_id_number, "grantee_name": grantee_name,
            "item_scope": item_scope, "valid_until": valid_until, "may_redelegate": bool(may_redelegate),
            "parent_id": parent_id, "note": note}
    return form_action(
        db, lambda: delegation.grant(
            db_session=db, clock=clock, actor=me, organisation_id=org_id,
            grantee_person_id=persons.identify(db_session=db, id_kind=grantee_id_kind, id_number=grantee_id_number,
                                              name=grantee_name, role="被授权人").id,
            item_scope=_lines(item_scope), valid_from=clock.now(), valid_until=_until(valid_until),
            may_redelegate=bool(may_redelegate), parent_id=int(parent_id) if parent_id.isdigit() else None, note=note,
        ),
        done=lambda _: see_other(f"/orgs/{org_id}", msg="granted"), failed=_org_error(request, db, clock, me, org_id, form),
    )


@router.post("/orgs/{org_id}/delegations/{delegation_id}/decision", response_class=HTMLResponse)
def decide(org_id: int, delegation_id: int, request: Request, db: Db, clock: Now, me: Me, _: Csrf, approve: Short = "",
           may_redelegate: Short = "", note: Short = "") -> Response:
    return form_action(
        db, lambda: delegation.decide_request(db_session=db, clock=clock, actor=me, delegation_id=delegation_id,
                                              approve=approve == "1", may_redelegate=bool(may_redelegate), note=note),
        done=lambda _: see_other(f"/orgs/{org_id}", msg="decided"), failed=_org_error(request, db, clock, me, org_id),
    )


@router.post("/orgs/{org_id}/delegations/{delegation_id}/change", response_class=HTMLResponse)
def change(org_id: int, delegation_id: int, request: Request, db: Db, clock: Now, me: Me, _: Csrf, item_scope: Long = "",
           valid_until: Short = "", may_redelegate: Short = "") -> Response:
    return form_action(
        db, lambda: delegation.change(db_session=db, clock=clock, actor=me, delegation_id=delegation_id,
                                      item_scope=_lines(item_scope),
                                      valid_until=_until(valid_until) if valid_until.strip() else None,
                                      may_redelegate=bool(may_redelegate)),
        done=lambda _: see_other(f"/orgs/{org_id}", msg="changed"), failed=_org_error(request, db, clock, me, org_id),
    )


@router.post("/orgs/{org_id}/delegations/{delegation_id}/revoke", response_class=HTMLResponse)
def revoke(org_id: int, delegation_id: int, request: Request, db: Db, clock: Now, me: Me, _: Csrf,
           reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    def revoked(row) -> Response:
        if row.grantee_person_id == me.person_id:  # renounced: the organisation is no longer theirs to see
            return see_other("/account", msg="renounced")
        return see_other(f"/orgs/{org_id}", msg="revoked")

    return form_action(
        db, lambda: delegation.revoke(db_session=db, clock=clock, actor=me, delegation_id=delegation_id, reason=reason),
        done=revoked, failed=_org_error(request, db, clock, me, org_id),
    )


def _request_page(request: Request, db: Session, org_id: int, status_code: int = 200, **extra) -> HTMLResponse:
    org = organisations.view(organisations.get(db_session=db, organisation_id=org_id))
    return render(request, "accounts/org_request.html", status_code=status_code, org=org, form=extra.pop("form", {}), **extra)


@router.get("/orgs/{org_id}/request", response_class=HTMLResponse)
def request_page(org_id: int, request: Request, db: Db, me: Me) -> HTMLResponse:
    return _request_page(request, db, org_id)


@router.post("/orgs/{org_id}/request", response_class=HTMLResponse)
def request_delegation(org_id: int, request: Request, db: Db, clock: Now, me: Me, _: Csrf, item_scope: Long = "",
                       valid_until: Short = "", note: Annotated[str, Form(max_length=500)] = "") -> Response:
    form = {"item_scope": item_scope, "valid_until": valid_until, "note": note}
    return form_action(
        db, lambda: delegation.request(db_session=db, clock=clock, actor=me, organisation_id=org_id,
                                       item_scope=_lines(item_scope), valid_from=clock.now(),
                                       valid_until=_until(valid_until), note=note),
        done=lambda _: see_other(f"/orgs/{org_id}", msg="requested"),
        failed=lambda exc: _request_page(request, db, org_id, exc.status_code, error=exc.message, form=form),
    )
