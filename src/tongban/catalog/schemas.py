"""The elements of a service item version (CAT-02 … CAT-10, CAT-13) as validated data.

One `ItemContent` is the whole published content of one item version: every channel (guide page,
PDF, print, JSON, search, open data) renders from it and from nothing else (GUIDE-02).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tongban.catalog.enums import (
    Actor,
    Audience,
    BasisKind,
    CaseKind,
    Channel,
    DeliveryMethod,
    ExemptionKind,
    FeeRule,
    FormFieldKind,
    HandlingForm,
    HandlingScope,
    ItemType,
    Level,
    LimitUnit,
    MaterialForm,
    Necessity,
)
from tongban.catalog.taxonomy import ATTRIBUTE_TAGS, LIFE_STAGES, ORG_THEMES, PERSON_THEMES
from tongban.core.links import WebLink

Text = Annotated[str, Field(max_length=4000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Key = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LegalBasis(_Model):
    """设定依据: one law or regulation and the clause that sets the item."""

    key: Key
    title: ShortText  # 《中华人民共和国行政许可法》
    kind: BasisKind = BasisKind.law
    article: Annotated[str, Field(max_length=100)] = ""  # 第二十九条
    text: Text = ""  # 条文内容


class Condition(_Model):
    """受理条件 with the legal basis keys that justify it (CAT-12)."""

    text: Annotated[str, Field(min_length=1, max_length=2000)]
    basis: list[Key] = []


class Material(_Model):
    """申请材料 and all its elements (CAT-06)."""

    key: Key
    name: ShortText
    forms: list[MaterialForm] = Field(default_factory=lambda: [MaterialForm.original])
    necessity: Necessity = Necessity.required
    condition: Annotated[str, Field(max_length=500)] = ""  # when necessity is conditional
    source: Annotated[str, Field(max_length=200)] = ""  # 来源渠道 / 出具机构; "申请人自备" when self-made
    original_count: Annotated[int, Field(ge=0, le=99)] = 1
    copy_count: Annotated[int, Field(ge=0, le=99)] = 0
    paper_size: Annotated[str, Field(max_length=20)] = "A4"
    e_copy_required: bool = False
    e_form: bool = False  # filled in as an online form instead of a file
    sample_sha256: Sha256 | None = None  # 示例样本 (attachment)
    template_sha256: Sha256 | None = None  # 空白表格 (attachment)
    acceptance_standard: Annotated[str, Field(max_length=1000)] = ""  # 受理标准
    notes: Annotated[str, Field(max_length=1000)] = ""  # 填报须知
    basis: list[Key] = []
    exemptions: list[ExemptionKind] = []  # how it may be exempted (CASE-02)
    licence_type: Annotated[str, Field(max_length=100)] = ""  # the e-licence type that replaces it

    @model_validator(mode="after")
    def _conditional_needs_condition(self) -> "Material":
        if self.necessity is Necessity.conditional and not self.condition:
            raise ValueError("特定情形下必要的材料须写明适用情形")
        if not self.forms:
            raise ValueError("材料须至少有一种形式（原件、复印件或电子件）")
        if ExemptionKind.licence in self.exemptions and not self.licence_type:
            raise ValueError(f"材料“{self.name}”以电子证照免提交时须写明证照类型")
        return self


class ProcessStep(_Model):
    """办理环节: who acts, what is checked, how long it may take (CAT-07)."""

    name: ShortText
    actor: Actor
    description: Annotated[str, Field(max_length=1000)] = ""
    review_points: list[Annotated[str, Field(max_length=300)]] = []
    time_limit_days: Annotated[float, Field(ge=0, le=3650)] | None = None
    time_note: Annotated[str, Field(max_length=200)] = ""


class Tier(_Model):
    up_to: Annotated[int, Field(ge=1)] | None = None  # upper bound of units in this tier; None = and above
    amount_fen: Annotated[int, Field(ge=0)]


class Fee(_Model):
    """收费标准 and 收费依据; money in integer fen."""

    name: ShortText
    rule: FeeRule = FeeRule.fixed
    amount_fen: Annotated[int, Field(ge=0)] = 0  # fixed amount, or price per unit
    unit: Annotated[str, Field(max_length=20)] = ""  # 件, 本, 平方米 …
    tiers: list[Tier] = []
    basis: Annotated[str, Field(min_length=1, max_length=1000)]
    note: Annotated[str, Field(max_length=500)] = ""
    units_field: Annotated[str, Field(max_length=40)] = ""  # the form field that gives the number of units

    @model_validator(mode="after")
    def _rule_shape(self) -> "Fee":
        if self.rule is FeeRule.tiered and not self.tiers:
            raise ValueError("分档收费须列出各档标准")
        if self.rule is FeeRule.per_unit and not self.unit:
            raise ValueError("按单位收费须写明计费单位")
        return self


class SpecialProcedure(_Model):
    """特别程序 (hearing, expert review, site survey …): time not counted in the limit."""

    name: ShortText
    max_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    note: Annotated[str, Field(max_length=500)] = ""


class ReviewPost(_Model):
    post: Actor
    time_limit_days: Annotated[float, Field(ge=0, le=3650)]
    method: Annotated[str, Field(max_length=500)] = ""  # 书面审查, 实地核查 …


class ReviewRules(_Model):
    """审查工作细则 (CAT-13): internal posts, time per post, review methods."""

    posts: list[ReviewPost] = []
    methods: list[Annotated[str, Field(max_length=300)]] = []
    on_the_spot: bool = False  # 当场决定 allowed (CASE-12)


DEFAULT_LICENCE_NUMBER = "{region}-{year}-{serial:6}"
LICENCE_FIELDS_MAX, LICENCE_FIELD_TEXT_MAX, LICENCE_FIELDS_TOTAL_MAX = 20, 500, 300
_NUMBER_TOKEN = re.compile(r"\{([a-z]+)(?::([A-Za-z0-9_\-]+))?\}|([A-Z0-9\-]+)|(.)")


@dataclass(frozen=True)
class NumberToken:
    """One part of a licence number format: a literal, or `region`, `year`, `serial`, `code` (of a field's option) or
    `check` with its argument (`region:6` → "6", `serial:6` → "6", `code:business_type` → "business_type")."""

    kind: str
    arg: str = ""


def parse_number_format(pattern: str, fields: dict[str, "LicenceField"] | None = None) -> list[NumberToken]:
    """The tokens of a number format, or ValueError with a Chinese message (the catalog refuses the declaration).

    `{region}` the issuing agency's region code (`{region:6}` its first 6 digits), `{year}` the year of issue,
    `{serial:N}` an N-digit serial counted per everything before it (prefix, subject kind, region, year),
    `{code:<field>}` the code of the option chosen for that licence field (e.g. 主体业态 → 1, 2, 3), `{check}` a
    check digit over every digit before it (ISO 7064 MOD 11,10), last. Literals: capital letters, digits, "-"."""
    tokens: list[NumberToken] = []
    for match in _NUMBER_TOKEN.finditer(pattern or ""):
        name, arg, literal, stray = match.groups()
        if stray is not None:
            raise ValueError(f"证照编号格式“{pattern}”含不允许的字符“{stray}”：只能用大写字母、数字、横线和{{region}}等占位符")
        if literal is not None:
            tokens.append(NumberToken("literal", literal))
            continue
        if name == "region" and (arg is None or (arg.isdigit() and 2 <= int(arg) <= 12)):
            tokens.append(NumberToken("region", arg or ""))
        elif name == "year" and arg is None:
            tokens.append(NumberToken("year"))
        elif name == "serial" and arg is not None and arg.isdigit() and 3 <= int(arg) <= 10:
            tokens.append(NumberToken("serial", arg))
        elif name == "check" and arg is None:
            tokens.append(NumberToken("check"))
        elif name == "code" and arg:
            field = (fields or {}).get(arg)
            if fields is not None and (field is None or not field.required or not field.options
                                       or not all(o.code for o in field.options)):
                raise ValueError(f"证照编号格式中的{{code:{arg}}}须对应一个必填、且各选项都有代码的证照栏目")
            tokens.append(NumberToken("code", arg))
        else:
            raise ValueError(f"证照编号格式中的占位符“{match.group(0)}”不认识：可用{{region}}、{{region:6}}、{{year}}、"
                             "{serial:6}、{code:栏目编号}、{check}")
    kinds = [t.kind for t in tokens]
    if kinds.count("serial") != 1:
        raise ValueError(f"证照编号格式“{pattern}”须有且只有一个流水号{{serial:位数}}")
    if "check" in kinds and (kinds.count("check") > 1 or kinds[-1] != "check"):
        raise ValueError("证照编号格式的校验位{check}只能有一个，且须在最后")
    return tokens


class LicenceFieldOption(_Model):
    """One choice of a licence field, with the code a number format prints for it (主体业态: 餐饮服务经营者 → 2)."""

    label: Annotated[str, Field(min_length=1, max_length=100)]
    code: Annotated[str, Field(max_length=4, pattern=r"^[0-9A-Z]*$")] = ""


class LicenceField(_Model):
    """One entry a licence of this type prints, in order: its label, where its value comes from and its limits.

    `source`: "form", copied from the application form field `form_field`; or "decision", entered by the decider
    when approving (prefilled from `form_field` when one is named). `personal`: how a value that is personal data
    is masked where the licence is public (its QR code, PDF and verification page); the full value is kept only
    encrypted."""

    key: Key
    label: Annotated[str, Field(min_length=1, max_length=40)]
    required: bool = True
    source: Literal["form", "decision"] = "decision"
    form_field: Annotated[str, Field(max_length=40)] = ""
    options: list[LicenceFieldOption] = []
    max_length: Annotated[int, Field(ge=1, le=LICENCE_FIELD_TEXT_MAX)] = 100
    personal: Literal["", "name", "id_number", "phone"] = ""
    hint: Annotated[str, Field(max_length=200)] = ""

    @property
    def printed_length(self) -> int:
        """The most characters the field prints: its longest option, or its length limit."""
        return max(len(o.label) for o in self.options) if self.options else self.max_length

    @model_validator(mode="after")
    def _source_named(self) -> "LicenceField":
        if self.source == "form" and not self.form_field:
            raise ValueError(f"证照栏目“{self.label}”取自申请表，须写明申请表字段（form_field）")
        labels = [o.label for o in self.options]
        if len(labels) != len(set(labels)):
            raise ValueError(f"证照栏目“{self.label}”的选项重复")
        codes = {len(o.code) for o in self.options}
        if len(codes) > 1:
            raise ValueError(f"证照栏目“{self.label}”各选项的代码须等长，编号才有固定位数")
        return self


class LicenceDeclaration(_Model):
    """What a licence type (证照) carries beyond its name, number, holder and validity, and how it is numbered."""

    fields: Annotated[list[LicenceField], Field(max_length=LICENCE_FIELDS_MAX)] = []
    number_format: Annotated[str, Field(min_length=1, max_length=80)] = DEFAULT_LICENCE_NUMBER

    @model_validator(mode="after")
    def _consistent(self) -> "LicenceDeclaration":
        keys = [f.key for f in self.fields]
        if len(keys) != len(set(keys)):
            raise ValueError("证照栏目的编号（key）重复")
        labels = [f.label for f in self.fields]
        if len(labels) != len(set(labels)):
            raise ValueError("证照栏目的名称重复")
        total = sum(f.printed_length for f in self.fields)
        if total > LICENCE_FIELDS_TOTAL_MAX:
            raise ValueError(f"证照栏目的最大字数合计 {total} 字，超过二维码能容纳的 {LICENCE_FIELDS_TOTAL_MAX} 字")
        tokens = parse_number_format(self.number_format, {f.key: f for f in self.fields})
        if number_length(tokens, {f.key: f for f in self.fields}) > 40:
            raise ValueError(f"证照编号格式“{self.number_format}”生成的编号超过40位")
        return self


def number_length(tokens: list[NumberToken], fields: dict[str, LicenceField]) -> int:
    """The longest number a format gives (a region code has at most 12 digits)."""
    size = {"region": lambda t: int(t.arg or 12), "year": lambda t: 4, "serial": lambda t: int(t.arg),
            "check": lambda t: 1, "literal": lambda t: len(t.arg),
            "code": lambda t: max((len(o.code) for o in fields[t.arg].options), default=0)}
    return sum(size[t.kind](t) for t in tokens)


class Result(_Model):
    """办理结果. A licence result (证照) may declare its type's fields and number format (`licence`); without one
    it prints name, number, holder and validity and is numbered `<region>-<year>-<serial>`."""

    name: Annotated[str, Field(max_length=200)] = ""
    kind: Annotated[str, Field(max_length=40)] = ""  # 证照, 批文, 其他
    sample_sha256: Sha256 | None = None
    validity: Annotated[str, Field(max_length=200)] = ""  # 有效期
    delivery: list[DeliveryMethod] = []
    licence_type: Annotated[str, Field(max_length=100)] = ""  # issue an e-licence of this type on approval
    validity_years: Annotated[int, Field(ge=1, le=100)] | None = None  # None: long-term
    licence: LicenceDeclaration | None = None

    @model_validator(mode="after")
    def _licence_declared_for_a_licence(self) -> "Result":
        if self.licence is not None and not self.licence_type:
            raise ValueError("声明了证照栏目和编号格式的办理结果须写明证照类型（licence_type）")
        return self


class FormField(_Model):
    """One field of the item's application form; `prefill` names where its value comes from (CASE-01)."""

    key: Key
    label: ShortText
    kind: FormFieldKind = FormFieldKind.text
    required: bool = True
    options: list[Annotated[str, Field(min_length=1, max_length=100)]] = []
    max_length: Annotated[int, Field(ge=1, le=4000)] = 200
    prefill: Annotated[str, Field(max_length=100)] = ""  # person.name, org.uscc, licence:<type>.<field> …
    hint: Annotated[str, Field(max_length=300)] = ""

    @model_validator(mode="after")
    def _choice_has_options(self) -> "FormField":
        if self.kind is FormFieldKind.choice and not self.options:
            raise ValueError(f"选项字段“{self.label}”须列出可选项")
        return self


class PledgeTerms(_Model):
    """告知承诺制 (CASE-08): what the applicant promises and what a false pledge costs."""

    obligations: Annotated[str, Field(min_length=1, max_length=2000)]  # 义务
    content: Annotated[str, Field(min_length=1, max_length=2000)]  # 承诺内容
    liability: Annotated[str, Field(min_length=1, max_length=2000)]  # 虚假承诺的法律责任


class Faq(_Model):
    question: Annotated[str, Field(min_length=1, max_length=500)]
    answer: Annotated[str, Field(min_length=1, max_length=4000)]


class ItemContent(_Model):
    """Every element of one item version (CAT-05)."""

    name: ShortText
    aliases: list[Annotated[str, Field(max_length=100)]] = []
    item_type: ItemType
    level: Level
    audiences: list[Audience] = Field(min_length=1)
    legal_basis: list[LegalBasis] = []
    conditions: list[Condition] = []
    materials: list[Material] = []
    steps: list[ProcessStep] = []
    legal_limit_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    promised_limit_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    limit_unit: LimitUnit = LimitUnit.working_day
    limit_note: Annotated[str, Field(max_length=500)] = ""
    case_kind: CaseKind = CaseKind.promised
    fees: list[Fee] = []
    special_procedures: list[SpecialProcedure] = []
    result: Result = Result()
    handling_form: HandlingForm = HandlingForm.both
    channels: list[Channel] = []
    online_url: WebLink = ""  # http(s) or a site path: rendered as a link
    handling_scope: HandlingScope = HandlingScope.fixed
    review_standard: Annotated[str, Field(max_length=4000)] = ""
    review_rules: ReviewRules = ReviewRules()
    booking: bool = False
    online_payment: bool = False
    logistics: bool = False
    max_visits: Annotated[int, Field(ge=0, le=10)] = 1  # 到现场次数
    on_site_verification: bool = False  # originals checked on site (CASE-10)
    address: Annotated[str, Field(max_length=300)] = ""
    hours: Annotated[str, Field(max_length=300)] = ""
    consult_phone: Annotated[str, Field(max_length=40)] = ""
    consult_address: Annotated[str, Field(max_length=300)] = ""
    complaint_phone: Annotated[str, Field(max_length=40)] = ""
    complaint_email: Annotated[str, Field(max_length=100)] = ""
    quantity_limit: Annotated[str, Field(max_length=200)] = ""
    intermediary_services: Annotated[str, Field(max_length=1000)] = ""
    prerequisites: list[Annotated[str, Field(max_length=100)]] = []  # implementation codes of 前置事项
    themes: list[str] = []
    life_stages: list[str] = []
    tags: list[str] = []
    faqs: list[Faq] = []
    form: list[FormField] = []  # the application form; a default form is used when empty
    pledge: PledgeTerms | None = None  # 告知承诺制 offered for this item
    parallel_agencies: list[Annotated[str, Field(min_length=1, max_length=40)]] = []  # co-agency codes (CASE-20)
    renewal: bool = False  # a renewal (延续) of a licence: deemed renewed when undecided at expiry (CASE-17)

    @field_validator("themes")
    @classmethod
    def _known_themes(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in PERSON_THEMES and v not in ORG_THEMES]
        if unknown:
            raise ValueError(f"未知的服务主题：{'、'.join(unknown)}")
        return value

    @field_validator("life_stages")
    @classmethod
    def _known_stages(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in LIFE_STAGES]
        if unknown:
            raise ValueError(f"未知的生命周期阶段：{'、'.join(unknown)}")
        return value

    @field_validator("tags")
    @classmethod
    def _known_tags(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in ATTRIBUTE_TAGS]
        if unknown:
            raise ValueError(f"未知的事项标签：{'、'.join(unknown)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "ItemContent":
        keys = [b.key for b in self.legal_basis]
        if len(keys) != len(set(keys)):
            raise ValueError("设定依据的编号重复")
        known = set(keys)
        for cond in self.conditions:
            missing = [k for k in cond.basis if k not in known]
            if missing:
                raise ValueError(f"受理条件引用了不存在的设定依据：{'、'.join(missing)}")
        material_keys = [m.key for m in self.materials]
        if len(material_keys) != len(set(material_keys)):
            raise ValueError("申请材料的编号重复")
        for material in self.materials:
            missing = [k for k in material.basis if k not in known]
            if missing:
                raise ValueError(f"材料“{material.name}”引用了不存在的设定依据：{'、'.join(missing)}")
        if (
            self.legal_limit_days is not None
            and self.promised_limit_days is not None
            and self.promised_limit_days > self.legal_limit_days
        ):
            raise ValueError("承诺办结时限不得长于法定办结时限")
        field_keys = [f.key for f in self.form]
        if len(field_keys) != len(set(field_keys)):
            raise ValueError("申请表字段的编号重复")
        for fee in self.fees:
            if fee.units_field and fee.units_field not in field_keys:
                raise ValueError(f"收费“{fee.name}”的计费字段不在申请表中")
        if any(ExemptionKind.pledge in m.exemptions for m in self.materials) and self.pledge is None:
            raise ValueError("材料可告知承诺免提交时，须写明承诺的义务、内容和法律责任")
        return self

    @property
    def charges(self) -> bool:
        return bool(self.fees)


class ItemIdentity(_Model):
    """What identifies an item across versions: codes (text + scheme), agency, hierarchy."""

    implementation_code: Annotated[str, Field(min_length=1, max_length=100)]
    code_scheme: Annotated[str, Field(min_length=1, max_length=40)] = "tongban"
    basic_code: Annotated[str, Field(max_length=100)] = ""
    basic_code_scheme: Annotated[str, Field(max_length=40)] = "tongban"
    agency_code: Annotated[str, Field(min_length=1, max_length=40)]
    region_code: Annotated[str, Field(min_length=6, max_length=12, pattern=r"^\d+$")]
    parent_code: Annotated[str, Field(max_length=100)] = ""
    relation: Annotated[str, Field(pattern=r"^(main|sub|variant)$")] = "main"
    situation: Annotated[str, Field(max_length=300)] = ""  # which applicants a variant is for


class ItemDocument(_Model):
    """A whole item as exchanged in JSON/CSV/XLSX (CAT-14): identity plus published content."""

    identity: ItemIdentity
    content: ItemContent
    status: Annotated[str, Field(pattern=r"^(active|suspended|stopped)$")] = "active"
    status_reason: Annotated[str, Field(max_length=500)] = ""
    alternative: Annotated[str, Field(max_length=500)] = ""


# ---------------------------------------------------------------- API in/out


class AgencyRef(BaseModel):
    id: int
    code: str
    name: str
    region_code: str
    level: str


class ItemSummaryOut(BaseModel):
    id: int
    name: str
    item_type: str
    item_type_label: str
    implementation_code: str
    code_scheme: str
    agency: AgencyRef
    region_code: str
    level: str
    handling_form: str
    handling_scope: str
    status: str
    relation: str
    parent_id: int | None
    published_at: str | None
    guide_url: str


class ItemListOut(BaseModel):
    items: list[ItemSummaryOut]
    total: int
    limit: int
    offset: int


class VersionOut(BaseModel):
    id: int
    item_id: int
    number: int
    state: str
    state_label: str
    change_note: str
    created_at: str
    created_by: str
    submitted_at: str | None
    reviewed_at: str | None
    reviewed_by: str
    review_comment: str
    published_at: str | None
    published_by: str


class ItemDetailOut(ItemSummaryOut):
    basic_code: str
    basic_code_scheme: str
    situation: str
    status_reason: str
    alternative: str
    alternative_item_id: int | None
    children: list[dict]
    version: VersionOut
    content: ItemContent
    links: dict[str, str]


class ItemCreateIn(_Model):
    identity: ItemIdentity
    content: ItemContent
    change_note: Annotated[str, Field(max_length=500)] = ""


class DraftIn(_Model):
    content: ItemContent
    change_note: Annotated[str, Field(max_length=500)] = ""


class ReviewIn(_Model):
    comment: Annotated[str, Field(max_length=2000)] = ""


class ReturnIn(_Model):
    reasons: Annotated[str, Field(min_length=1, max_length=2000)]


class StatusIn(_Model):
    status: Annotated[str, Field(pattern=r"^(active|suspended|stopped)$")]
    reason: Annotated[str, Field(max_length=500)] = ""
    alternative: Annotated[str, Field(max_length=500)] = ""
    alternative_item_id: int | None = None
