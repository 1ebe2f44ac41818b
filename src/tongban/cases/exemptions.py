"""Materials the applicant need not hand in: e-licence on file, shared-data check, pledge, assistance (CASE-02; 002 8.3.3)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.accounts import identity
from tongban.baselib.service import BaseLibrary
from tongban.cases.forms import Applicant
from tongban.catalog.enums import ExemptionKind
from tongban.catalog.schemas import ItemContent, Material
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput


@dataclass(frozen=True)
class Exemption:
    kind: ExemptionKind
    ref: str  # what replaced the material: a licence number, the library checked, the pledge


def options(
    *, db_session: Session, clock: Clock, library: BaseLibrary, applicant: Applicant, material: Material, pledge_offered: bool
) -> list[Exemption]:
    """The exemptions that hold for this applicant now, in the order a form offers them."""
    found: list[Exemption] = []
    for kind in material.exemptions:
        exemption = _holds(db_session, clock, library, applicant, material, kind, pledge_offered)
        if exemption is not None:
            found.append(exemption)
    return found


def _holds(db_session, clock, library, applicant, material, kind, pledge_offered) -> Exemption | None:
    if kind is ExemptionKind.licence:
        from tongban.cases import licences

        licence = licences.find_valid(
            db_session=db_session, clock=clock, holder_identifier=applicant.identifier, type_code=material.licence_type
        )
        return Exemption(kind, f"电子证照 {licence.number}") if licence is not None else None
    if kind is ExemptionKind.shared_data:
        if applicant.subject_kind == "org":
            record = library.find_organisation(applicant.identifier)
            return Exemption(kind, "法人基础信息库核验") if record is not None and record.status == "active" else None
        # By the applicant's own document: a residence-permit or permanent-residence holder is found under it (ACC-13).
        check = library.check_person(identity.parse_kind(applicant.id_kind).value, applicant.identifier, applicant.name)
        return Exemption(kind, "人口基础信息库核验") if check.found and check.name_matches else None
    if kind is ExemptionKind.pledge:
        return Exemption(kind, "申请人书面承诺") if pledge_offered else None
    return Exemption(kind, "由受理部门协查获取")


def plan(
    *, db_session: Session, clock: Clock, library: BaseLibrary, applicant: Applicant, content: ItemContent,
    chosen: dict[str, str], pledge: bool,
) -> dict[str, Exemption]:
    """Check each chosen exemption; a choice that does not hold is refused with the reason."""
    materials = {m.key: m for m in content.materials}
    result: dict[str, Exemption] = {}
    for key, raw_kind in chosen.items():
        material = materials.get(key)
        if material is None:
            raise InvalidInput("UNKNOWN_MATERIAL", "所选免提交的材料不属于该事项")
        try:
            kind = ExemptionKind(raw_kind)
        except ValueError:
            raise InvalidInput("EXEMPTION_UNKNOWN", f"“{material.name}”的免提交方式无效") from None
        if kind not in material.exemptions:
            raise InvalidInput("EXEMPTION_NOT_ALLOWED", f"“{material.name}”不能以“{kind.label}”方式免提交")
        if kind is ExemptionKind.pledge and not pledge:
            raise InvalidInput("PLEDGE_NOT_SIGNED", f"“{material.name}”以告知承诺免提交，须先阅读并签署告知承诺书")
        held = _holds(db_session, clock, library, applicant, material, kind, pledge)
        if held is None:
            reason = {
                ExemptionKind.licence: "没有查到您有效的相应电子证照",
                ExemptionKind.shared_data: "基础信息库中未能核验到您的信息",
            }.get(kind, "条件不满足")
            raise InvalidInput("EXEMPTION_NOT_AVAILABLE", f"“{material.name}”不能免提交：{reason}，请上传材料")
        result[key] = held
    return result
