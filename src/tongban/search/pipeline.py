"""One search request end to end: check the filters, search, highlight, explain, log (SRCH-05, SRCH-07, SRCH-08)."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from tongban.catalog import regions
from tongban.catalog.enums import Audience, HandlingForm, HandlingScope, ItemType, Level
from tongban.catalog.taxonomy import ATTRIBUTE_TAGS, LIFE_STAGES, ORG_THEMES, PERSON_THEMES
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput
from tongban.search import service
from tongban.search.index import Hit, SearchDoc
from tongban.search.query import MAX_QUERY_CHARS, QueryPlan
from tongban.search.sources import region_key

KIND_LABELS = {
    "item": "办事指南",
    "faq": "常见问题",
    "bundle": "一件事",
    "policy": "政策文件",
    "regulation": "法律法规",
    "announcement": "通知公告",
}
FACET_VALUE_LABELS: dict[str, dict[str, str]] = {
    "kind": KIND_LABELS,
    "audience": {a.value: a.label for a in Audience},
    "level": {lv.value: lv.label for lv in Level},
    "theme": {**PERSON_THEMES, **ORG_THEMES},
    "life_stage": LIFE_STAGES,
    "tag": ATTRIBUTE_TAGS,
    "handling_form": {f.value: f.label for f in HandlingForm},
    "handling_scope": {sc.value: sc.label for sc in HandlingScope},
    "item_type": {t.value: t.label for t in ItemType},
    "nature": {"administrative_power": "行政权力", "public_service": "公共服务"},
}
FACETS = ("kind", "audience", "level", "agency", "theme", "life_stage", "handling_form", "item_type")
SNIPPET_CHARS = 90
SENTENCE_RE = re.compile(r"[^\n。；;！？!?]+[。；;！？!?]?")


def _choices(name: str, allowed, message: str):
    def check(value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if value not in allowed:
            raise InvalidInput("BAD_FILTER", message, details={"field": name, "value": value})
        return value

    return check


CHECKS = {
    "kind": _choices("kind", KIND_LABELS, "结果类型只能是：" + "、".join(f"{v}({k})" for k, v in KIND_LABELS.items())),
    "audience": _choices("audience", {a.value for a in Audience}, "服务对象只能是 自然人(person) 或 法人(org)"),
    "level": _choices("level", {lv.value for lv in Level}, "行使层级不正确"),
    "theme": _choices("theme", {**PERSON_THEMES, **ORG_THEMES}, "服务主题不正确"),
    "life_stage": _choices("life_stage", LIFE_STAGES, "生命周期阶段不正确"),
    "tag": _choices("tag", ATTRIBUTE_TAGS, "事项标签不正确"),
    "handling_form": _choices("handling_form", {f.value for f in HandlingForm}, "办理形式不正确"),
    "handling_scope": _choices("handling_scope", {s.value for s in HandlingScope}, "通办范围不正确"),
    "item_type": _choices("item_type", {t.value for t in ItemType}, "事项类型不正确"),
    "nature": _choices("nature", {"administrative_power", "public_service"}, "服务性质只能是 行政权力(administrative_power) 或 公共服务(public_service)"),
}


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    region: str | None = None  # the user's own region, preferred in ranking
    page: int = 1
    size: int = 10
    channel: str = "web"
    log: bool = True


@dataclass
class HitView:
    key: str
    kind: str
    kind_label: str
    title: str
    title_html: str
    url: str
    subtitle: str
    snippet_html: str
    status: str
    position: int


@dataclass
class SearchView:
    q: str
    total: int
    page: int
    size: int
    hits: list[HitView]
    facets: dict[str, dict[str, int]]
    did_you_mean: str | None
    understood: list[str]
    filters: dict[str, str]


def too_long_message(length: int) -> str:
    return f"检索词最多 {MAX_QUERY_CHARS} 个字（字母、空格也算），您输入了 {length} 个，请精简后再搜"


def check_params(params: SearchParams) -> dict[str, str]:
    q = (params.q or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidInput("QUERY_TOO_LONG", too_long_message(len(q)), details={"max_length": MAX_QUERY_CHARS})
    if not 1 <= params.page <= 100:
        raise InvalidInput("BAD_PAGE", "页码应在 1 到 100 之间")
    if not 1 <= params.size <= 50:
        raise InvalidInput("BAD_SIZE", "每页条数应在 1 到 50 之间")
    filters: dict[str, str] = {}
    for name, value in params.filters.items():
        if name == "region":
            if value and not re.fullmatch(r"\d{2,12}", value):
                raise InvalidInput("BAD_FILTER", "区划代码应为 2 到 12 位数字", details={"field": "region", "value": value})
            if value:
                filters["region"] = region_key(value)
        elif name == "agency":
            if value and not re.fullmatch(r"\d{1,9}", value):
                raise InvalidInput("BAD_FILTER", "实施机构编号应为数字", details={"field": "agency", "value": value})
            if value:
                filters["agency"] = value
        elif name in CHECKS:
            checked = CHECKS[name](value)
            if checked:
                filters[name] = checked
        else:
            raise InvalidInput("BAD_FILTER", f"不支持的筛选条件：{name}")
    if params.region and not re.fullmatch(r"\d{2,12}", params.region):
        raise InvalidInput("BAD_REGION", "所在地区划代码应为 2 到 12 位数字")
    return filters


def highlight(text: str, strings: list[str]) -> str:
    """``text`` HTML-escaped, with every occurrence of the given strings wrapped in <mark>."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) != len(text):
        folded = text.lower()
    marked = [False] * len(text)
    for s in strings:
        if not s:
            continue
        start = folded.find(s)
        while start >= 0:
            for k in range(start, start + len(s)):
                marked[k] = True
            start = folded.find(s, start + 1)
    out: list[str] = []
    inside = False
    for ch, on in zip(text, marked):
        if on and not inside:
            out.append("<mark>")
        elif not on and inside:
            out.append("</mark>")
        inside = on
        out.append(html.escape(ch))
    if inside:
        out.append("</mark>")
    return "".join(out)


def _mark_strings(plan: QueryPlan) -> list[str]:
    strings = plan.highlight_strings()
    pairs = {s[i : i + 2] for s in strings if len(s) > 2 for i in range(len(s) - 1)}
    return strings + sorted(pairs)


def snippet(body: str, strings: list[str]) -> str:
    """The sentence of the body that mentions the query most, cut around its first mention (SRCH-08)."""
    if not body:
        return ""
    best, best_score = "", 0
    for sentence in SENTENCE_RE.findall(body):
        score = sum(len(s) for s in strings if s in sentence.lower())
        if score > best_score:
            best, best_score = sentence.strip(), score
    if not best:
        return ""
    if len(best) > SNIPPET_CHARS:
        first = min((best.lower().find(s) for s in strings if s in best.lower()), default=0)
        start = max(0, first - 20)
        best = ("…" if start else "") + best[start : start + SNIPPET_CHARS] + "…"
    return highlight(best, strings)


def _hit_view(hit: Hit, strings: list[str], position: int) -> HitView:
    doc = hit.doc
    return HitView(
        key=doc.key,
        kind=doc.kind,
        kind_label=KIND_LABELS.get(doc.kind, doc.kind),
        title=doc.title,
        title_html=highlight(doc.title, strings),
        url=doc.url,
        subtitle=doc.subtitle,
        snippet_html=snippet(doc.fields.get("body", ""), strings),
        status=doc.status,
        position=position,
    )


def understood(plan: QueryPlan) -> list[str]:
    """How the query was read, to show people why they got what they got: 上户口 → 户口登记."""
    out = []
    for group in plan.groups:
        official = [a.text for a in group.alternatives if not a.literal]
        if official:
            out.append(f"{group.span} → {'、'.join(official[:4])}")
    return out


def run(*, db_session: Session, clock: Clock, hub: service.SearchHub, params: SearchParams) -> SearchView:
    filters = check_params(params)
    engine = hub.engine_for(db_session, clock)
    q = params.q.strip()
    plan, result = engine.search(
        q,
        filters=filters,
        region=params.region,
        limit=params.size,
        offset=(params.page - 1) * params.size,
        facet_names=FACETS,
    )
    strings = _mark_strings(plan)
    offset = (params.page - 1) * params.size
    hits = [_hit_view(h, strings, offset + i + 1) for i, h in enumerate(result.hits)]
    suggestion = engine.did_you_mean(plan) if q else None
    if params.log and q and params.page == 1:
        service.log_search(db_session=db_session, clock=clock, q=q, result_count=result.total, channel=params.channel)
    return SearchView(q, result.total, params.page, params.size, hits, result.facets, suggestion, understood(plan), filters)


def facet_label(db_session: Session, facet: str, value: str) -> str:
    """A facet value as people read it (API and pages alike)."""
    if facet == "agency":
        agency = regions.get_agency(db_session=db_session, agency_id=int(value)) if value.isdigit() else None
        return agency.name if agency else value
    return FACET_VALUE_LABELS.get(facet, {}).get(value, value)


@dataclass
class HotLists:
    searches: list[service.HotQuery]
    items: list[tuple[SearchDoc, int]]  # document and how often it was opened


def hot_lists(*, db_session: Session, clock: Clock, hub: service.SearchHub, limit: int = 10) -> HotLists:
    """Hot searches and hot items (SRCH-05), items as the index knows them now."""
    engine = hub.engine_for(db_session, clock)
    items = []
    for key, count in service.hot_item_keys(db_session=db_session, clock=clock, limit=limit):
        doc = engine.document(key)
        if doc is not None:
            items.append((doc, count))
    return HotLists(service.hot_searches(db_session=db_session, clock=clock, limit=limit), items)
