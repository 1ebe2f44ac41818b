"""The population library as policies read it: birth date, age and sex from the document, shared attributes (POL-01)."""

from __future__ import annotations

from datetime import date

import pytest

from tongban.baselib.service import TableBaseLibrary, import_attributes

from tests.factories import add_population, resident_id


@pytest.mark.req("POL-01")
def test_people_carry_age_sex_region_and_the_attributes_other_departments_share(db_session, clock, tmp_path):
    man = resident_id(birth="19400115", region="511602", serial="011")  # 17th digit odd: male
    woman = resident_id(birth="19850726", region="511621", serial="022")
    add_population(db_session, clock, tmp_path, [
        {"id_number": man, "name": "赵大", "household_region": "511602"},
        {"id_number": woman, "name": "钱二", "household_region": "511621"},
    ])
    path = tmp_path / "attributes.csv"
    path.write_text("id_kind,id_number,attribute,value,source\n"
                    f"resident_id,{man},disability_grade,2,残联\n"
                    f"resident_id,{man},income,1000,税务\n"
                    f"resident_id,{resident_id()},veteran,yes,退役军人事务局\n", encoding="utf-8")
    result = import_attributes(db_session=db_session, clock=clock, path=path)
    assert result.added == 1 and len(result.errors) == 2
    assert "不认识的人口属性 income" in result.errors[0] and "人口库中没有这个人" in result.errors[1]
    people = {p.name: p for p in TableBaseLibrary(db_session).people()}
    assert people["赵大"].birth_date == date(1940, 1, 15) and people["赵大"].gender == "male"
    assert people["赵大"].age_on(date(2026, 1, 14)) == 85 and people["赵大"].age_on(date(2026, 1, 15)) == 86
    assert people["赵大"].attributes == {"disability_grade": "2"} and people["钱二"].gender == "female"
    assert [p.name for p in TableBaseLibrary(db_session).people(region_prefix="511602")] == ["赵大"]
