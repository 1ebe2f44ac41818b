"""How bundle cases and their merged form become what the pages and the API show (BND-07)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.bundles import handling
from tongban.bundles.apply_form import BundleForm
from tongban.bundles.case_schemas import (
    BundleCaseOut, BundleFormOut, ExemptionOut, MergedFieldOut, MergedMaterialOut, PartOut,
)
from tongban.bundles.models import BundleCase


def form_out(form: BundleForm) -> BundleFormOut:
    plan = form.plan
    return BundleFormOut(
        bundle_id=plan.bundle_id, answers=dict(plan.answers), overall_limit_days=plan.overall_limit_days,
        items=[{"code": p.code, "name": p.name, "agency_name": p.agency_name, "stage": p.stage, "why": p.why,
                "limit_days": p.limit_days} for p in plan.items],
        fields=[MergedFieldOut(key=m.field.key, label=m.field.label, kind=m.field.kind.value, required=m.field.required,
                               options=list(m.field.options), used_by=dict(m.used_by)) for m in form.fields],
        prefill=dict(form.prefill),
        materials=[MergedMaterialOut(key=line.material.key, name=line.material.name, required=line.material.required,
                                     e_form=line.material.e_form, items=list(line.items), match_rule=line.material.match_rule,
                                     exemptions=[ExemptionOut(kind=e.kind, label=e.label, ref=e.ref) for e in line.exemptions])
                   for line in form.materials],
        delivery_methods=[dict(d) for d in form.delivery_methods],
    )


def detail(db_session: Session, bundle_case: BundleCase) -> BundleCaseOut:
    views = handling.views(db_session=db_session, bundle_case=bundle_case)
    return BundleCaseOut(
        id=bundle_case.id, number=bundle_case.number or "", bundle_name=handling.bundle_name(bundle_case),
        state=bundle_case.state, state_label=handling.STATE_LABELS.get(bundle_case.state, bundle_case.state),
        state_note=bundle_case.state_note, overall_limit_days=bundle_case.overall_limit_days,
        created_at=bundle_case.created_at, accepted_at=bundle_case.accepted_at, delivered_at=bundle_case.delivered_at,
        parts=[PartOut(item_code=v.part.item_code, item_name=v.item_name, agency_name=v.agency_name, stage=v.part.stage,
                       case_id=v.case.id, case_number=v.case.case_number, state=v.case.state, state_label=v.state_label,
                       waiting_for=list(v.waiting_for), hold=v.hold) for v in views],
    )
