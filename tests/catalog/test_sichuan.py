"""Import of the real 广安区 item list from the Sichuan government service site."""

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tongban.catalog import service
from tongban.catalog.models import Agency, ServiceItem
from tongban.catalog.sichuan import agency_code, audiences, basic_code, full_name, import_sichuan

# shared/ sits beside the project checkout (as in CI); TONGBAN_SHARED_DIR points elsewhere.
SHARED = Path(os.environ.get("TONGBAN_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
SOURCE = SHARED / "data" / "catalogs" / "sichuan-guangan" / "items.json"
# Outside CI a checkout without shared/ skips; under CI a missing file must fail, not skip.
needs_source = pytest.mark.skipif(not SOURCE.exists() and not os.environ.get("CI"), reason="shared/ is not beside this checkout")


@needs_source
@pytest.mark.req("CAT-14")
@pytest.mark.req("CAT-01")
def test_import_the_whole_guangan_list_twice(db_session, clock):
    calls = []
    report = import_sichuan(db_session=db_session, clock=clock, path=SOURCE, progress=lambda i, n: calls.append((i, n)))
    assert report.errors == []
    assert (report.created, report.updated, report.agencies_created) == (1135, 0, 34)
    assert calls[-1] == (1135, 1135)

    assert db_session.scalar(select(func.count(ServiceItem.id))) == 1135
    assert db_session.scalar(select(func.count(ServiceItem.id)).where(ServiceItem.live_version_id.is_not(None))) == 1135
    assert db_session.scalar(select(func.count(Agency.id))) == 34
    by_type = dict(db_session.execute(select(ServiceItem.item_type, func.count()).group_by(ServiceItem.item_type)).all())
    assert by_type == {"licensing": 536, "public_service": 348, "other_power": 182, "confirmation": 50, "benefit": 9,
                       "adjudication": 8, "reward": 2}

    item = service.get_item_by_code(
        db_session=db_session, implementation_code="511A0138000000-511602000000-000-115113010833722043-1-00", code_scheme="sichuan"
    )
    assert item.name == "适龄儿童、少年因身体状况需要延缓入学或者休学审批"
    assert (item.item_type, item.level, item.region_code) == ("licensing", "county", "511602")
    assert item.agency.short_name == "区教科体局" and item.agency.name == "广安市广安区教育科技和体育局"
    assert item.agency.code == "sichuan-dept:区教科体局"  # 083372204 is not a credit code
    document = service.document_of(db_session=db_session, item=item)
    assert (document.identity.basic_code, document.identity.basic_code_scheme) == ("511A0138000000", "sichuan-basic")
    assert document.content.materials == [] and document.content.legal_basis == []  # nothing invented

    housing = db_session.scalar(select(Agency).where(Agency.short_name == "区住建局"))
    assert housing.code == "11511301008778255F" and housing.name == "广安市广安区住房和城乡建设局"

    again = import_sichuan(db_session=db_session, clock=clock, path=SOURCE)
    assert (again.created, again.updated, again.unchanged, again.agencies_created) == (0, 0, 1135, 0)
    assert again.errors == []


@pytest.mark.req("CAT-14")
def test_bad_rows_are_reported_and_the_rest_imported(db_session, clock, tmp_path):
    rows = [
        {"department": "区民政局", "main_item": "婚姻登记", "name": "内地居民结婚登记",
         "item_code": "511F0001000001-511602000000-000-11511301008778298W-1-00", "task_type": "7",
         "dept_code": "11511301008778298W", "area_code": "511602000000"},
        {"department": "区民政局", "main_item": "未分类", "name": "某类检查",
         "item_code": "511X0001000001-511602000000-000-11511301008778298W-1-00", "task_type": "4",
         "dept_code": "11511301008778298W", "area_code": "511602000000"},
    ]
    path = tmp_path / "items.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    report = import_sichuan(db_session=db_session, clock=clock, path=path)
    assert report.created == 1
    [error] = report.errors
    assert "第 2 项" in error and "511X0001000001" in error and "未知的事项类型代码 4" in error
    item = service.get_item_by_code(db_session=db_session, implementation_code=rows[0]["item_code"])
    content = service.live_content(db_session=db_session, item=item)
    assert content.aliases == ["婚姻登记"] and content.item_type == "confirmation" and content.audiences == ["person"]


def test_derivations():
    assert full_name("区人社局") == "广安市广安区人力资源和社会保障局"
    assert full_name("区新设局") == "广安市广安区新设局"
    assert agency_code("区残联", Counter({"11511301452259996u": 13})) == "11511301452259996U"
    assert basic_code("G-000007-001-511602000000-000-115113010833722043-1-00", "511602000000") == "G-000007-001"
    assert basic_code("E-000004-001-11511301008778386B", "511602000000") == "E-000004-001"
    assert audiences("食品经营许可") == ["org"] and audiences("城乡居民养老保险待遇申领") == ["person"]
