"""Application forms: the item's form schema, pre-filling from the account and licences, and checking (CASE-01)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tongban.accounts.identity import normalize_phone
from tongban.catalog.enums import FormFieldKind
from tongban.catalog.schemas import FormField, ItemContent
from tongban.core.errors import DomainError, InvalidInput

# Used when an item has no form of its own, so every online item can be applied for.
DEFAULT_FORM = [
    FormField(key="applicant_name", label="申请人", prefill="applicant.name", max_length=200),
    FormField(key="applicant_identifier", label="证件号码 / 统一社会信用代码", prefill="applicant.identifier", max_length=40),
    FormField(key="contact_phone", label="联系电话", kind=FormFieldKind.phone, prefill="applicant.phone"),
    FormField(key="address", label="联系地址", required=False, max_length=300),
    FormField(key="request", label="申请事项说明", kind=FormFieldKind.textarea, required=False, max_length=2000,
              hint="简要说明您要办理的内容"),
]


@dataclass(frozen=True)
class Applicant:
    """申请人 as a case records it: a person, or an organisation acting through a person."""

    subject_kind: str  # person / org
    person_id: int | None
    organisation_id: int | None
    name: str
    identifier: str  # ID number, or USCC for organisations
    phone: str | None
    agent_name: str = ""  # the person acting for an organisation
    id_kind: str = "resident_id"  # the person's identity document (IdKind), for base-library checks (ACC-13)


def form_for(content: ItemContent) -> list[FormField]:
    return list(content.form) or list(DEFAULT_FORM)


def prefill(form: list[FormField], applicant: Applicant, licences: dict[str, dict]) -> dict[str, str]:
    """Values for fields whose `prefill` names a source; `licences` maps a licence type to its data fields."""
    sources = {
        "applicant.name": applicant.name,
        "applicant.identifier": applicant.identifier,
        "applicant.phone": applicant.phone or "",
        "person.name": applicant.agent_name or applicant.name if applicant.subject_kind == "org" else applicant.name,
        "org.name": applicant.name if applicant.subject_kind == "org" else "",
        "org.uscc": applicant.identifier if applicant.subject_kind == "org" else "",
    }
    values: dict[str, str] = {}
    for field in form:
        source = field.prefill
        if source.startswith("licence:"):
            licence_type, _, name = source[len("licence:"):].partition(".")
            value = str(licences.get(licence_type, {}).get(name, ""))
        else:
            value = sources.get(source, "")
        if value:
            values[field.key] = value
    return values


def check(form: list[FormField], data: dict[str, object]) -> dict[str, str]:
    """Every field's value checked and normalised; all problems are reported together."""
    problems: dict[str, str] = {}
    clean: dict[str, str] = {}
    known = {f.key for f in form}
    for key in data:
        if key not in known:
            problems[key] = "申请表中没有这一项"
    for field in form:
        raw = data.get(field.key)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if field.required:
                problems[field.key] = f"请填写“{field.label}”"
            continue
        try:
            clean[field.key] = _check_value(field, value)
        except DomainError as error:
            problems[field.key] = error.message
    if problems:
        first = next(iter(problems.values()))
        raise InvalidInput("FORM_INVALID", f"申请表有 {len(problems)} 处需要修改：{first}", details=problems)
    return clean


def _check_value(field: FormField, value: str) -> str:
    if len(value) > field.max_length:
        raise InvalidInput("TOO_LONG", f"“{field.label}”最多 {field.max_length} 个字")
    if field.kind is FormFieldKind.number:
        if not re.fullmatch(r"\d{1,9}(\.\d{1,4})?", value):
            raise InvalidInput("NOT_A_NUMBER", f"“{field.label}”应填写数字")
    elif field.kind is FormFieldKind.date:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise InvalidInput("NOT_A_DATE", f"“{field.label}”应为日期，例如 2026-11-20") from None
    elif field.kind is FormFieldKind.choice:
        if value not in field.options:
            raise InvalidInput("NOT_AN_OPTION", f"“{field.label}”请从{'、'.join(field.options)}中选择")
    elif field.kind is FormFieldKind.phone:
        value = normalize_phone(value)
    return value
