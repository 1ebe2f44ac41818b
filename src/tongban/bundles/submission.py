"""One submission of a bundle (一件事一次申报, BND-07): the person's answers, one merged form and one set of uploads
become one bundle case and one ordinary case (`cases.service.submit`) per item, each in its own agency's queue.

- **All or nothing.** The bundle case and every sub-case are written in the caller's one transaction. A part that
  the cases domain refuses (its item withdrawn or paused since the person started, a material missing, a form value
  wrong) raises with the item's name in the Chinese message, and the caller's rollback leaves nothing behind.
- **Every part is created at once, later stages included.** A part that follows others (`PlannedItem.stage` > 1,
  BND-05) is filed now, with the person's form and files, so the person hands everything in once and each agency
  sees what is coming; `bundles.handling`'s step guard refuses to accept (and so to decide) it until every item it
  follows is approved, and the bundle's one acceptance then starts it by itself. Creating it later, when its
  predecessors finish, would split the submission over several transactions, so a part refused then (its item
  withdrawn meanwhile) would leave a half bundle behind: the one thing the submission promises not to do.
- **Idempotent.** The same key from the same submitter gives the same bundle case, also under a race: the bundle
  case row is the transaction's first write and the unique constraint (`submitter_ref`, `idempotency_key`) decides;
  the loser rolls back and reads the winner. Each part's own key is derived from the bundle's key and its item code.
- **Merged materials and fields.** A merged material uploaded once is stored for every part that needs it (each case
  keeps its own encrypted copy, since each agency sees only its own case); a merged field is copied to each item's
  own field key (`Plan.form`'s `used_by`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.baselib.service import BaseLibrary
from tongban.bundles.models import Bundle, BundleCase, BundlePart
from tongban.bundles.plan import Plan
from tongban.cases import applicants, files, forms
from tongban.cases import service as cases
from tongban.cases.enums import CaseChannel
from tongban.catalog import reads as catalog_reads
from tongban.catalog import service as catalog
from tongban.catalog.enums import DeliveryMethod
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.db import insert_persistent
from tongban.core.errors import Conflict, DomainError, InvalidInput, NotFound

# The ways one bundle's results can reach the person together: downloaded in their space, or handed over at the
# lead window (统一出件) or posted by it. A locker holds one case's result, so it is not offered for a bundle.
TOGETHER = (DeliveryMethod.online_download, DeliveryMethod.window_pickup, DeliveryMethod.post)


@dataclass(frozen=True)
class BundleSubmission:
    """What a person hands in for a bundle: keys are the plan's merged keys."""

    bundle_id: int
    answers: dict[str, str]
    form: dict[str, object]  # merged field key → value
    uploads: list[files.Upload] = field(default_factory=list)  # material_key: the merged material key
    exemptions: dict[str, str] = field(default_factory=dict)  # merged material key → ExemptionKind
    delivery_method: str | None = None


def make_plan(*, db_session: Session, clock: Clock, bundle_id: int, answers: dict[str, str]) -> Plan:
    """The plan the person's answers lead to now (`bundles.planning`)."""
    from tongban.bundles import planning

    return planning.make_plan(db_session=db_session, clock=clock, bundle_id=bundle_id, answers=answers)


_BC = BundleCase.__table__
_BY_KEY = select(_BC.c.id).where(_BC.c.submitter_ref == bindparam("ref"), _BC.c.idempotency_key == bindparam("key"))


def _existing(db_session: Session, submitter_ref: str, key: str) -> BundleCase | None:
    found = db_session.connection().execute(_BY_KEY, {"ref": submitter_ref, "key": key}).scalar()
    return None if found is None else db_session.get(BundleCase, found)


def _same(bundle_case: BundleCase, bundle_id: int) -> BundleCase:
    if bundle_case.bundle_id != bundle_id:
        raise Conflict("IDEMPOTENCY_KEY_REUSED", "这个提交编号已用于另一项申请，请刷新页面后重新提交")
    return bundle_case


def part_key(key: str, item_code: str) -> str:
    """A part's own idempotency key: derived from the bundle's key and the item, within the cases' key pattern."""
    return "bnd-" + hashlib.sha256(f"{key}\x1f{item_code}".encode()).hexdigest()[:40]


def active_bundle(*, db_session: Session, bundle_id: int) -> Bundle:
    bundle = db_session.get(Bundle, bundle_id)
    if bundle is None:
        raise NotFound("BUNDLE_NOT_FOUND", "没有找到这件“一件事”")
    if bundle.status != "active" or bundle.live_version_id is None:
        raise InvalidInput("BUNDLE_NOT_AVAILABLE", f"“{bundle.name}”目前不能申请（未发布或已停止办理）")
    return bundle


def delivery_choices(*, db_session: Session, plan: Plan) -> list[DeliveryMethod]:
    """The ways of bringing the results together that the plan's items offer (an item naming none delivers by
    download), those most items offer first. An item that does not offer the way chosen delivers in its own first way;
    `bundles.together` hands each kind over at once."""
    counts: dict[DeliveryMethod, int] = {}
    for planned in plan.items:
        item = catalog_reads.item(db_session=db_session, item_id=planned.item_id)
        if item.live_version_id is None:
            continue  # refused with its name at submission
        content, _ = catalog.content_and_digest(db_session=db_session, version_id=item.live_version_id)
        for method in set(content.result.delivery) or {DeliveryMethod.online_download}:
            counts[method] = counts.get(method, 0) + 1
    return sorted((m for m in TOGETHER if m in counts), key=lambda m: (-counts[m], TOGETHER.index(m)))


def _delivery(chosen: str | None) -> str | None:
    """The way the person chose for all results (the page posts one of `delivery_choices`); None: each item's own."""
    if chosen and chosen not in {m.value for m in TOGETHER}:
        raise InvalidInput("DELIVERY_NOT_OFFERED", "一件事的办理结果统一送达，可选：" + "、".join(m.label for m in TOGETHER))
    return chosen or None


def _checked_form(plan: Plan, form: dict[str, object]) -> dict[str, str]:
    """The merged form checked as one (every problem reported under its merged key)."""
    return forms.check([merged.field for merged in plan.form], form)


def _part_submission(plan: Plan, code: str, item_id: int, clean: dict[str, str], uploads: list[files.Upload],
                     exemptions: dict[str, str], delivery: str | None) -> cases.Submission:
    """One item's application: the merged values under its own field and material keys."""
    own_form = {merged.used_by[code]: clean[merged.field.key] for merged in plan.form
                if code in merged.used_by and merged.field.key in clean}
    materials = {m.key: m for m in plan.materials}
    own_uploads = [files.Upload(materials[u.material_key].used_by[code], u.filename, u.data) for u in uploads
                   if code in materials[u.material_key].used_by]
    own_exemptions = {materials[k].used_by[code]: kind for k, kind in exemptions.items() if code in materials[k].used_by}
    return cases.Submission(item_id=item_id, form=own_form, exemptions=own_exemptions, uploads=own_uploads,
                            delivery_method=delivery)


def _check_material_keys(plan: Plan, uploads: list[files.Upload], exemptions: dict[str, str]) -> None:
    known = {m.key: m.name for m in plan.materials}
    for key in [u.material_key for u in uploads] + list(exemptions):
        if key not in known:
            raise InvalidInput("UNKNOWN_MATERIAL", "上传的文件不属于这件事的申请材料")
    if len(uploads) > files.MAX_FILES:
        raise InvalidInput("TOO_MANY_FILES", f"一次最多上传 {files.MAX_FILES} 个文件")
    for upload in uploads:  # a bad file is reported once, under its merged name, before anything is written
        files.check(upload, known[upload.material_key])


def _number(bundle_case: BundleCase, clock: Clock) -> str:
    day = clock.now().astimezone(SHANGHAI).strftime("%Y%m%d")
    return f"YJS{bundle_case.region_code[:6]}{day}{bundle_case.id:08d}"


def submit(
    *, db_session: Session, clock: Clock, library: BaseLibrary, applicant: forms.Applicant, submission: BundleSubmission,
    channel: CaseChannel, submitter_ref: str, idempotency_key: str, plan: Plan | None = None,
) -> BundleCase:
    """File a bundle: one bundle case and one sub-case per item of the plan the answers lead to now (`plan` is
    made from `submission.answers` unless given). Writes nothing on refusal once the caller rolls back."""
    if not cases.KEY_PATTERN.fullmatch(idempotency_key or ""):
        raise InvalidInput("IDEMPOTENCY_KEY", "提交编号无效（8–80 位字母、数字、- 或 _），请刷新页面后重新提交")
    existing = _existing(db_session, submitter_ref, idempotency_key)
    if existing is not None:
        return _same(existing, submission.bundle_id)
    bundle = active_bundle(db_session=db_session, bundle_id=submission.bundle_id)
    if plan is None:
        plan = make_plan(db_session=db_session, clock=clock, bundle_id=bundle.id, answers=submission.answers)
    if plan.bundle_id != bundle.id:
        raise InvalidInput("PLAN_MISMATCH", "办理方案与这件事不符，请重新回答问题")
    if not plan.items:
        raise InvalidInput("NO_ITEMS", "根据您的回答，这件事没有需要办理的事项")
    if (bundle.audience == "org") != (applicant.subject_kind == "org"):
        raise InvalidInput("WRONG_AUDIENCE", f"“{bundle.name}”面向{'法人和其他组织' if bundle.audience == 'org' else '个人'}办理")
    clean = _checked_form(plan, submission.form)
    _check_material_keys(plan, submission.uploads, submission.exemptions)
    delivery = _delivery(submission.delivery_method)
    now = clock.now()
    values = dict(
        number=None, bundle_id=bundle.id, bundle_version_id=plan.bundle_version_id, lead_agency_id=bundle.lead_agency_id,
        region_code=bundle.region_code, subject_kind=applicant.subject_kind, person_id=applicant.person_id,
        organisation_id=applicant.organisation_id, applicant_name=applicant.name,
        applicant_hash=applicants.applicant_hash(applicant.identifier), submitter_ref=submitter_ref,
        idempotency_key=idempotency_key, answers=dict(plan.answers),
        items=[{"code": p.code, "name": p.name, "item_id": p.item_id, "agency_id": p.agency_id, "agency_name": p.agency_name,
                "stage": p.stage, "after": list(p.after), "why": p.why, "limit_days": p.limit_days} for p in plan.items],
        state="submitted", state_note="", overall_limit_days=plan.overall_limit_days, accepted_by="", accepted_at=None,
        delivered_at=None, created_at=now, updated_at=now,
    )
    try:
        bundle_case = insert_persistent(db_session, BundleCase, values)  # the first write: a lost race undoes nothing else
    except IntegrityError:
        db_session.rollback()
        existing = _existing(db_session, submitter_ref, idempotency_key)
        if existing is None:
            raise
        return _same(existing, submission.bundle_id)
    bundle_case.number = _number(bundle_case, clock)
    for planned in plan.items:
        part = _part_submission(plan, planned.code, planned.item_id, clean, submission.uploads, submission.exemptions, delivery)
        try:
            try:
                case = cases.submit(db_session=db_session, clock=clock, library=library, applicant=applicant,
                                    submission=part, channel=channel, submitter_ref=submitter_ref,
                                    idempotency_key=part_key(idempotency_key, planned.code))
            except InvalidInput as error:
                if error.code != "DELIVERY_NOT_OFFERED" or part.delivery_method is None:
                    raise
                # the item does not offer the way chosen: its own first way (refused before cases writes anything)
                part = dataclasses.replace(part, delivery_method=None)
                case = cases.submit(db_session=db_session, clock=clock, library=library, applicant=applicant,
                                    submission=part, channel=channel, submitter_ref=submitter_ref,
                                    idempotency_key=part_key(idempotency_key, planned.code))
        except DomainError as error:
            raise type(error)(error.code, f"“{planned.name}”（{planned.agency_name}）：{error.message}",
                              details=error.details) from error
        if bundle_case not in db_session:  # the part's key had been used: cases rolled this transaction back
            raise Conflict("BUNDLE_PART_CONFLICT", "提交时遇到冲突，请刷新页面后重新提交")
        db_session.add(BundlePart(bundle_case_id=bundle_case.id, case_id=case.id, item_id=case.item_id,
                                  item_code=planned.code, agency_id=case.agency_id, stage=planned.stage, state=case.state))
    db_session.flush()
    from tongban.bundles import handling

    handling.tell(db_session=db_session, clock=clock, bundle_case=bundle_case, step="已提交",
                  detail=f"共 {len(plan.items)} 个事项，由牵头部门统一受理，请留意受理结果。")
    return bundle_case
