"""我要查 (003 我要查; SRCH-06, CASE-05): anyone with a case number sees its public progress; the last four digits of
the applicant's phone or ID number also show the applicant's details. One rule for the page and the API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tongban.cases import service as cases
from tongban.cases import presenters
from tongban.cases.models import Case
from tongban.cases.schemas import ProgressOut
from tongban.core import limits
from tongban.core.clock import Clock
from tongban.core.errors import Forbidden, NotFound

# A number alone shows only the state and dates, but numbers follow a pattern: an address may look up a few
# dozen an hour (a family, a hall's help desk), not walk the register.
LOOKUPS_FROM = limits.Limit("progress-lookup", 60, timedelta(hours=1), "PROGRESS_TOO_MANY",
                            "查询过于频繁，请一小时后再试；也可以登录后在“我的办件”里查看")
# Four digits are 10,000 guesses: ten wrong ones per case number an hour, from anywhere, and twenty per address.
DIGITS_PER_CASE = limits.Limit("progress-digits", 10, timedelta(hours=1), "PROGRESS_DIGITS_LOCKED",
                               "这个办件编号的后四位输错次数过多，请一小时后再试；也可以登录后在“我的办件”里查看")
DIGITS_FROM = limits.Limit("progress-digits-from", 20, timedelta(hours=1), "PROGRESS_DIGITS_LOCKED",
                           "后四位输错次数过多，请一小时后再试；也可以登录后在“我的办件”里查看")

UNKNOWN = "没有找到这个办件编号，请核对受理通知书、回执或短信上的编号"
WRONG_DIGITS = "后四位不正确：请填写申请时登记的手机号后四位，或申请人证件号码（单位为统一社会信用代码）的后四位"


def normalize(number: str, digits: str | None) -> tuple[str, str]:
    return (number or "").strip().upper(), (digits or "").strip().upper()


def _tails(case: Case) -> set[str]:
    tails = {case.applicant_identifier[-4:].upper()}
    if case.contact_phone:
        tails.add(case.contact_phone[-4:])
    return tails


def look_up(*, db_session: Session, clock: Clock, number: str, digits: str | None, client_ip: str) -> ProgressOut:
    """The progress of case `number`; with the right `digits`, the applicant's details too.

    Counts go in the caller's transaction; every refusal commits them before raising, and the caller commits
    after a success, so an address's lookups are counted across processes."""
    number, digits = normalize(number, digits)
    limits.take_or_refuse(db_session=db_session, clock=clock, limit=LOOKUPS_FROM, key=client_ip)
    try:
        case = cases.by_number(db_session=db_session, case_number=number)
    except NotFound:
        limits.refuse(db_session, NotFound("CASE_NOT_FOUND", UNKNOWN))
    if not digits:
        return presenters.progress(db_session=db_session, case=case)
    limits.answer_secret(db_session=db_session, clock=clock, right=digits in _tails(case),
                         wrong=Forbidden("CASE_DIGITS_WRONG", WRONG_DIGITS), per_subject=DIGITS_PER_CASE, subject=number,
                         per_address=DIGITS_FROM, address=client_ip)
    return presenters.progress(db_session=db_session, case=case, details=True)


def by_tracking(*, db_session: Session, token: str) -> ProgressOut:
    """The QR code of the acceptance notice: the token is unguessable and printed for the applicant."""
    case = cases.by_tracking(db_session=db_session, token=token)
    return presenters.progress(db_session=db_session, case=case, details=True)
