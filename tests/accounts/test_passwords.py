"""New passwords after 等保 practice: long enough, not common, not the holder's ID number or phone (issue 25 §5)."""

from __future__ import annotations

import pytest

from tests.cases.caseflow import person_headers
from tests.factories import last_code, make_person, resident_id
from tongban.accounts.passwords import check_strength
from tongban.core.errors import InvalidInput

NUMBER = resident_id(birth="19880214", region="511602", serial="331")
PHONE = "13900000301"


@pytest.mark.req("ACC-06")
@pytest.mark.parametrize(("password", "code"), [
    ("password1", "PASSWORD_WEAK"),  # old code: accepted (8 characters, letters and digits)
    ("abc12345", "PASSWORD_WEAK"),
    ("abcdefghijkl", "PASSWORD_WEAK"),  # one kind of character and shorter than a passphrase
    ("Password2026!", "PASSWORD_COMMON"),
    ("qwertyuiop123", "PASSWORD_COMMON"),
    ("Woaini1314520", "PASSWORD_COMMON"),
    ("1qaz2wsx3edc", "PASSWORD_COMMON"),
    (f"zm{PHONE}", "PASSWORD_PERSONAL"),
    ("Zhao19880214", "PASSWORD_PERSONAL"),  # the birth date in the ID number
    (f"x{NUMBER[-6:]}abcd", "PASSWORD_PERSONAL"),
])
def test_weak_common_and_personal_passwords_are_refused_with_a_clear_message(password, code):
    with pytest.raises(InvalidInput) as refused:
        check_strength(password, id_number=NUMBER, phone=PHONE)
    assert refused.value.code == code and "密码" in refused.value.message


@pytest.mark.parametrize("password", ["Zhaomin2026", "tongban-demo1", "柳絮飘飘 春风吹过二十六度的午后", "correct horse battery staple"])
def test_long_or_passphrase_passwords_are_accepted(password):
    check_strength(password, id_number=NUMBER, phone=PHONE)


@pytest.mark.req("ACC-06")
def test_the_rules_hold_for_a_change_and_for_a_reset(client, sms, db_session, clock):
    person = make_person(db_session, clock, id_number=NUMBER, phone=PHONE)
    db_session.commit()
    headers = person_headers(db_session, clock, person)
    changed = client.post("/api/v1/me/password", json={"current": "Passw0rd!x", "new": "password1"}, headers=headers)
    assert changed.status_code == 422 and changed.json()["error"]["message"].startswith("密码至少 10 位")
    assert client.post("/api/v1/accounts/sms-codes", json={"purpose": "reset", "phone": PHONE}).status_code == 202
    reset = {"phone": PHONE, "code": last_code(sms, PHONE), "new_password": "Password2026!"}
    refused = client.post("/api/v1/auth/password-reset", json=reset)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "PASSWORD_COMMON"
