"""Identity document numbers: format, check digit, birth date, masking and phone numbers."""

from __future__ import annotations

import re
from datetime import date

import pytest
from stdnum.cn import ric

from tongban.accounts.identity import (
    KINDS_FOR_FORM,
    IdDocument,
    IdKind,
    mask,
    mask_phone,
    normalize,
    normalize_phone,
    parse_kind,
    validate,
)
from tongban.core.errors import InvalidInput

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check(first17: str) -> str:
    """Append the ISO 7064 MOD 11-2 check digit, computed independently of the module under test."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return first17 + "10X98765432"[total % 11]


def wrong_check(first17: str) -> str:
    good = with_check(first17)
    return first17 + ("0" if good[-1] != "0" else "1")


def code_of(kind, number, **kwargs) -> str:
    with pytest.raises(InvalidInput) as info:
        validate(kind, number, **kwargs)
    return info.value.code


def test_helper_agrees_with_known_number_and_stdnum():
    # The example from python-stdnum's own documentation, and a worked example with an X check digit.
    assert with_check("36042619910101007") == "360426199101010071"
    assert with_check("11010519491231002") == "11010519491231002X"
    assert ric.calc_check_digit(with_check("81000019900101001")) == with_check("81000019900101001")[-1]


RESIDENT = with_check("51160219900307001")
HK_PERMIT = with_check("81000019851120002")
MO_PERMIT = with_check("82000020000229003")
TW_PERMIT = with_check("83000019770615004")
FOREIGN_2023 = with_check("93384019800412001")


@pytest.mark.req("ACC-13")
@pytest.mark.parametrize(
    ("kind", "number", "birth"),
    [
        (IdKind.resident_id, RESIDENT, date(1990, 3, 7)),
        (IdKind.resident_id, "11010519491231002X", date(1949, 12, 31)),
        (IdKind.hkmo_residence_permit, HK_PERMIT, date(1985, 11, 20)),
        (IdKind.hkmo_residence_permit, MO_PERMIT, date(2000, 2, 29)),
        (IdKind.tw_residence_permit, TW_PERMIT, date(1977, 6, 15)),
        (IdKind.foreign_permanent_id, FOREIGN_2023, date(1980, 4, 12)),
        (IdKind.foreign_permanent_id, "USA310085041201", date(1985, 4, 12)),
        (IdKind.hkmo_travel_permit, "H12345678", None),
        (IdKind.hkmo_travel_permit, "M1234567801", None),
        (IdKind.tw_travel_permit, "12345678", None),
        (IdKind.tw_travel_permit, "1234567890", None),
    ],
)
def test_valid_numbers(kind, number, birth):
    doc = validate(kind, number)
    assert doc == IdDocument(kind=kind, number=number, birth_date=birth, nationality=doc.nationality)


@pytest.mark.req("ACC-13")
def test_passport_needs_nationality():
    doc = validate("passport", "e1234567", nationality="usa")
    assert (doc.number, doc.nationality, doc.birth_date) == ("E1234567", "USA", None)
    # An 18-character passport number is not a resident ID: no check digit or birth date applies.
    assert validate("passport", "ABCDEFGH1234567890", nationality="DEU").birth_date is None
    assert code_of("passport", "E1234567") == "NATIONALITY_REQUIRED"
    assert code_of("passport", "E1234567", nationality="US") == "NATIONALITY_FORMAT"


@pytest.mark.req("ACC-13")
def test_old_foreign_id_takes_nationality_from_prefix():
    assert validate("foreign_permanent_id", "USA310085041201").nationality == "USA"
    # A two-digit year that would lie in the future belongs to the previous century.
    assert validate("foreign_permanent_id", "CAN110099123101", today=date(2024, 1, 1)).birth_date == date(1999, 12, 31)
    assert validate("foreign_permanent_id", "CAN110010010101", today=date(2024, 1, 1)).birth_date == date(2010, 1, 1)


@pytest.mark.req("ACC-13")
@pytest.mark.parametrize(
    ("kind", "first17"),
    [
        (IdKind.resident_id, "51160219900307001"),
        (IdKind.hkmo_residence_permit, "81000019851120002"),
        (IdKind.tw_residence_permit, "83000019770615004"),
        (IdKind.foreign_permanent_id, "93384019800412001"),
    ],
)
def test_wrong_check_digit(kind, first17):
    with pytest.raises(InvalidInput) as info:
        validate(kind, wrong_check(first17))
    assert info.value.code == "ID_NUMBER_CHECKSUM"
    assert "校验码不对" in info.value.message


@pytest.mark.req("ACC-13")
@pytest.mark.parametrize(
    ("kind", "number"),
    [
        (IdKind.resident_id, with_check("51160219990230001")),
        (IdKind.resident_id, with_check("51160219991301001")),
        (IdKind.resident_id, with_check("51160218000101001")),
        (IdKind.hkmo_residence_permit, with_check("82000019990230001")),
        (IdKind.tw_residence_permit, with_check("83000020010229001")),
        (IdKind.foreign_permanent_id, with_check("93384019990230001")),
        (IdKind.foreign_permanent_id, "USA310099023001"),
    ],
)
def test_impossible_birth_date(kind, number):
    assert code_of(kind, number) == "ID_NUMBER_BIRTH_DATE"


@pytest.mark.req("ACC-13")
def test_birth_date_in_future_rejected_only_with_today():
    number = with_check("51160220300101001")
    assert validate("resident_id", number).birth_date == date(2030, 1, 1)
    assert code_of("resident_id", number, today=date(2025, 6, 1)) == "ID_NUMBER_BIRTH_DATE"


@pytest.mark.req("ACC-13")
@pytest.mark.parametrize(
    ("kind", "number"),
    [
        (IdKind.resident_id, ""),
        (IdKind.resident_id, RESIDENT[:-1]),
        (IdKind.resident_id, RESIDENT[:6] + "A" + RESIDENT[7:]),
        (IdKind.resident_id, HK_PERMIT),
        (IdKind.hkmo_residence_permit, TW_PERMIT),
        (IdKind.hkmo_residence_permit, RESIDENT),
        (IdKind.tw_residence_permit, HK_PERMIT),
        (IdKind.foreign_permanent_id, RESIDENT),
        (IdKind.foreign_permanent_id, "US3100850412011"),
        (IdKind.hkmo_travel_permit, "C12345678"),
        (IdKind.hkmo_travel_permit, "H1234567"),
        (IdKind.hkmo_travel_permit, "H123456789"),
        (IdKind.tw_travel_permit, "123456789"),
        (IdKind.tw_travel_permit, "T1234567"),
        (IdKind.passport, "E12"),
        (IdKind.passport, "E123-4567"),
    ],
)
def test_bad_format(kind, number):
    assert code_of(kind, number, nationality="USA") == "ID_NUMBER_FORMAT"


@pytest.mark.req("ACC-13")
def test_full_width_input_is_normalised():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "11010519491231002x")
    assert normalize("resident_id", f" {full_width[:6]}\u3000{full_width[6:]} ") == "11010519491231002X"
    assert validate("resident_id", full_width).number == "11010519491231002X"
    assert validate("hkmo_travel_permit", "ｈ １２３４５６７８").number == "H12345678"


@pytest.mark.req("ACC-13")
def test_parse_kind():
    assert parse_kind("resident_id") is IdKind.resident_id
    assert parse_kind(" Passport ") is IdKind.passport
    assert parse_kind("台湾居民居住证") is IdKind.tw_residence_permit
    with pytest.raises(InvalidInput) as info:
        parse_kind("driving_licence")
    assert info.value.code == "ID_KIND_UNKNOWN"
    assert "居民身份证" in info.value.message and "外国护照" in info.value.message
    assert code_of("driving_licence", RESIDENT) == "ID_KIND_UNKNOWN"


def test_kinds_for_form_lists_every_kind_resident_first():
    assert KINDS_FOR_FORM[0] == ("resident_id", "居民身份证")
    assert {value for value, _ in KINDS_FOR_FORM} == {k.value for k in IdKind}
    labels = [label for _, label in KINDS_FOR_FORM]
    assert len(set(labels)) == len(labels)  # two kinds with one name could not be told apart in a form


@pytest.mark.req("ACC-13")
def test_the_name_a_person_picks_is_the_name_errors_and_imports_use(client):
    """The registration form offers every kind by its name; a wrong number is refused in that same name,
    the form keeps the choice, and the name typed as text (a spreadsheet, a clerk) means the same kind."""
    page = client.get("/register")
    select = re.search(r'<select id="id_kind" name="id_kind">(.*?)</select>', page.text, re.S).group(1)
    options = re.findall(r'<option value="(\w+)"( selected)?>([^<]+)</option>', select)
    assert [value for value, _, _ in options][0] == "resident_id" and options[0][1] == " selected"
    assert {value for value, _, _ in options} == {k.value for k in IdKind}
    token = client.cookies.get("tb_csrf")
    for value, _, label in options:
        assert parse_kind(label) is IdKind(value)
        form = {"csrf": token, "name": "赵敏", "id_kind": value, "id_number": "12", "nationality": "USA", "phone": "13912340001"}
        refused = client.post("/register/code", data=form)
        assert refused.status_code == 422
        assert f"{label}号码格式不对" in refused.text
        assert f'<option value="{value}" selected>{label}</option>' in refused.text


@pytest.mark.req("ACC-11")
@pytest.mark.parametrize("kind", ["resident_id", "hkmo_residence_permit", "tw_residence_permit", "foreign_permanent_id"])
def test_mask_hides_birth_date_of_18_char_numbers(kind):
    number = with_check("51160219900307001")
    masked = mask(kind, number)
    assert masked == number[:6] + "********" + number[-4:]
    assert "19900307" not in masked


@pytest.mark.req("ACC-11")
def test_mask_example_and_other_kinds():
    assert mask("resident_id", "511602199003070012") == "511602********0012"
    assert mask("foreign_permanent_id", "USA310085041201") == "USA**********01"
    assert mask("hkmo_travel_permit", "H12345678") == "H******78"
    assert mask("tw_travel_permit", "1234") == "1***34"
    assert mask("passport", "AB") == "***"


@pytest.mark.req("ACC-11")
def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("028-8765 4321") == "*******4321"
    assert mask_phone("110") == "****"


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "＋８６１３８１２３４５６７８"])
def test_normalize_phone(raw):
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["", "12812345678", "1381234567", "138123456789", "028-87654321"])
def test_normalize_phone_rejects(raw):
    with pytest.raises(InvalidInput) as info:
        normalize_phone(raw)
    assert info.value.code == "PHONE_FORMAT"
