"""How bundles become what the pages and the API show: the public list (BND-01), one bundle with its flow, a
question step of the flow, and a person's plan (BND-02 … 06)."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy.orm import Session

from tongban.bundles import flow
from tongban.bundles.definition import BundleDefinition, Question
from tongban.bundles.models import Bundle
from tongban.bundles.plan import Plan
from tongban.catalog import reads as catalog_reads

AUDIENCE_LABELS = {"person": "个人办事", "org": "企业（法人）办事"}
ROLE_LABELS = {"required": "必办事项", "situational": "情形事项"}


def _agency_name(db: Session, code: str) -> str:
    agency = catalog_reads.agency_by_code(db_session=db, code=code)
    return agency.name if agency is not None else code


def summary(db: Session, bundle: Bundle, definition: BundleDefinition) -> dict:
    """One bundle of the public list: name, items, lead and cooperating agencies (BND-01)."""
    items = []
    for entry in definition.items:
        facts = catalog_reads.item_by_code(db_session=db, implementation_code=entry.code,
                                           region_prefix=definition.region_code[:2])
        items.append({"code": entry.code, "name": facts.name if facts is not None else entry.code, "role": entry.role,
                      "role_label": ROLE_LABELS[entry.role], "item_id": facts.id if facts is not None else None})
    return {
        "id": bundle.id, "code": bundle.code, "name": definition.name, "theme": definition.theme,
        "audience": definition.audience, "audience_label": AUDIENCE_LABELS[definition.audience],
        "region_code": definition.region_code, "summary": definition.summary,
        "lead_agency": {"code": definition.lead_agency, "name": _agency_name(db, definition.lead_agency)},
        "cooperating_agencies": [{"code": c, "name": _agency_name(db, c)} for c in definition.cooperating_agencies],
        "items": items, "url": f"/bundles/{bundle.id}",
    }


def question_view(question: Question) -> dict:
    return {"id": question.id, "text": question.text, "hint": question.hint,
            "options": [{"value": o.value, "label": o.label} for o in question.options]}


def detail(db: Session, bundle: Bundle, definition: BundleDefinition) -> dict:
    """One bundle with its question flow and rules, as the API answers it."""
    return {**summary(db, bundle, definition), "start": definition.start,
            "questions": [{**question_view(q), "options": [{"value": o.value, "label": o.label, "next": o.next}
                                                           for o in q.options]} for q in definition.questions],
            "rules": [r.model_dump(mode="json") for r in definition.rules],
            "shared_materials": [s.model_dump(mode="json") for s in definition.shared_materials]}


def answers_query(answers: dict[str, str], **extra: str) -> str:
    return urlencode({**answers, **{k: v for k, v in extra.items() if v}})


def steps_view(bundle_id: int, walk: flow.Walk) -> list[dict]:
    """The answers so far, each with a link that asks its question again (later answers are dropped)."""
    rows = []
    for n, step in enumerate(walk.steps):
        before = {s.question.id: s.value for s in walk.steps[:n]}
        rows.append({"question": step.question.text, "answer": step.label, "question_id": step.question.id,
                     "change_url": f"/bundles/{bundle_id}?{answers_query(before, was=step.value)}" if before
                     else f"/bundles/{bundle_id}?{answers_query({}, go='1', was=step.value)}"})
    return rows


def plan_view(db: Session, plan: Plan) -> dict:
    """The plan as JSON (API) and as the plan page reads it."""
    names = {i.code: i.name for i in plan.items}
    stages: dict[int, list[str]] = {}
    for i in plan.items:
        stages.setdefault(i.stage, []).append(i.name)
    return {
        "bundle_id": plan.bundle_id, "bundle_version_id": plan.bundle_version_id, "answers": plan.answers,
        "items": [{"item_id": i.item_id, "code": i.code, "name": i.name, "agency_id": i.agency_id,
                   "agency_name": i.agency_name, "why": i.why, "stage": i.stage, "after": list(i.after),
                   "after_names": [names[c] for c in i.after if c in names], "limit_days": i.limit_days,
                   "url": f"/items/{i.item_id}"} for i in plan.items],
        "materials": [{"key": m.key, "name": m.name, "required": m.required, "condition": m.condition,
                       "e_form": m.e_form, "match_rule": m.match_rule, "used_by": m.used_by,
                       "used_by_names": [names[c] for c in m.used_by if c in names]} for m in plan.materials],
        "form": [{"key": f.field.key, "label": f.field.label, "kind": f.field.kind.value, "required": f.field.required,
                  "prefill": f.field.prefill, "hint": f.field.hint, "used_by": f.used_by,
                  "used_by_names": [names[c] for c in f.used_by if c in names]} for f in plan.form],
        "stages": [{"stage": s, "items": stages[s]} for s in sorted(stages)],
        "overall_limit_days": plan.overall_limit_days,
        "limit_rule": "并行办理的事项时限重叠计算，先后办理的事项时限相加，取最长的一条办理路径（工作日）",
        "notes": list(plan.notes),
        "apply_url": f"/bundles/{plan.bundle_id}/apply?{answers_query(plan.answers)}",
    }


def version_view(version) -> dict:
    from tongban.bundles.service import STATE_LABELS

    return {"id": version.id, "bundle_id": version.bundle_id, "number": version.number, "state": version.state,
            "state_label": STATE_LABELS.get(version.state, version.state), "note": version.note, "digest": version.digest,
            "created_by": version.created_by, "reviewed_by": version.reviewed_by, "definition": version.definition}


def staff_bundle(db: Session, bundle: Bundle, *, with_problems: bool = True) -> dict:
    """A bundle for staff: its versions, newest first, and the checker's findings on the newest."""
    from tongban.bundles import service
    from tongban.bundles.check import Problem
    from tongban.bundles.definition import BundleDefinition
    from pydantic import ValidationError

    versions = service.history(db_session=db, bundle_id=bundle.id)
    problems: list[str] = []
    if with_problems and versions:
        try:
            definition = BundleDefinition.model_validate(versions[0].definition)
            problems = [p.describe() for p in service.problems_of(db_session=db, definition=definition)]
        except ValidationError:
            problems = [Problem("structure", "定义格式有误").describe()]
    return {"id": bundle.id, "code": bundle.code, "name": bundle.name, "status": bundle.status,
            "status_label": service.STATUS_LABELS.get(bundle.status, bundle.status), "region_code": bundle.region_code,
            "live_version_id": bundle.live_version_id, "versions": [version_view(v) for v in versions],
            "problems": problems}
