"""The SM3 hash-chained audit trail: tamper detection, masking, and the `tongban audit|accounts` CLI contract (ACC-08)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from tests.factories import resident_id
from tongban.accounts import persons
from tongban.cli import app as cli_app
from tongban.core import audit
from tongban.core.models import AuditEntry

ID_NUMBER = resident_id(birth="19850612", region="511602", serial="123")
PHONE = "13812345678"


def append(db_session, clock, count: int) -> list[AuditEntry]:
    """Append entries as a real operation would, then commit so other sessions (the CLI) see them."""
    entries = []
    for n in range(1, count + 1):
        clock.advance(minutes=1)
        entries.append(audit.record(db_session=db_session, clock=clock, actor="staff:1", action="test.op",
                                    object_kind="person", object_id=n, details={"n": n}))
    db_session.commit()
    return entries


def tamper(db_session, sql: str, **params) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    db_session.execute(text(sql), params)
    db_session.commit()
    db_session.expire_all()


def run_cli(args: list[str]):
    # The CLI opens its own sessions on the process-wide engine, which the `engine` fixture points at the test db.
    return CliRunner().invoke(cli_app, args)


@pytest.mark.req("ACC-08")
def test_intact_chain_verifies(db_session, clock):
    entries = append(db_session, clock, 4)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:]))
    assert audit.verify(db_session=db_session) == audit.Verification(True, 4)


def test_empty_chain_verifies(db_session):
    assert audit.verify(db_session=db_session) == audit.Verification(True, 0)


@pytest.mark.req("ACC-08")
def test_edited_details_are_named(db_session, clock):
    append(db_session, clock, 4)
    tamper(db_session, "UPDATE audit_entry SET details = :d WHERE seq = 3", d=json.dumps({"n": 99}))
    result = audit.verify(db_session=db_session)
    assert (result.ok, result.bad_seq, result.checked) == (False, 3, 2)
    assert "3" in result.reason


@pytest.mark.req("ACC-08")
def test_edited_actor_is_named(db_session, clock):
    append(db_session, clock, 3)
    tamper(db_session, "UPDATE audit_entry SET actor = 'staff:2' WHERE seq = 1")
    assert audit.verify(db_session=db_session).bad_seq == 1


@pytest.mark.req("ACC-08")
def test_rehashed_edit_still_breaks_the_next_link(db_session, clock):
    # Someone who edits a row and recomputes its hash still cannot fix the next row's prev_hash without the chain.
    append(db_session, clock, 3)
    tamper(db_session, "UPDATE audit_entry SET hash = :h WHERE seq = 2", h="f" * 64)
    result = audit.verify(db_session=db_session)
    assert (result.ok, result.bad_seq) == (False, 2)


@pytest.mark.req("ACC-08")
def test_deleted_middle_row_is_named(db_session, clock):
    append(db_session, clock, 5)
    tamper(db_session, "DELETE FROM audit_entry WHERE seq = 3")
    result = audit.verify(db_session=db_session)
    assert (result.ok, result.bad_seq, result.checked) == (False, 3, 2)


@pytest.mark.req("ACC-08")
def test_deleted_last_row_fails_on_the_head(db_session, clock):
    # Without the head row a truncated chain would look intact; the head remembers seq and hash.
    append(db_session, clock, 4)
    tamper(db_session, "DELETE FROM audit_entry WHERE seq = 4")
    result = audit.verify(db_session=db_session)
    assert (result.ok, result.checked, result.bad_seq) == (False, 3, 4)


@pytest.mark.req("ACC-08")
def test_all_rows_deleted_fails_on_the_head(db_session, clock):
    append(db_session, clock, 2)
    tamper(db_session, "DELETE FROM audit_entry")
    assert audit.verify(db_session=db_session).ok is False


@pytest.mark.req("ACC-11")
def test_details_are_masked(db_session, clock):
    entry = audit.record(
        db_session=db_session, clock=clock, actor="staff:1", action="person.register", object_kind="person", object_id=1,
        details={"id": ID_NUMBER, "note": f"电话 {PHONE}，证件 {ID_NUMBER}", "nested": [{"phone": PHONE}], "count": 2},
    )
    db_session.commit()
    stored = db_session.scalar(select(AuditEntry.details).where(AuditEntry.id == entry.id))
    assert ID_NUMBER not in stored and PHONE not in stored
    assert ID_NUMBER[6:14] not in stored  # the birth date run
    details = json.loads(stored)
    assert details["id"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert details["nested"] == [{"phone": "138****5678"}]
    assert "138****5678" in details["note"] and details["count"] == 2
    assert audit.verify(db_session=db_session).ok  # the hash covers the masked text


def test_entries_for_lists_newest_first(db_session, clock):
    append(db_session, clock, 3)
    audit.record(db_session=db_session, clock=clock, actor="cli", action="test.op", object_kind="person", object_id=2)
    rows = audit.entries_for(db_session=db_session, object_kind="person", object_id=2)
    assert [r.seq for r in rows] == [4, 2]


# --- CLI contract -------------------------------------------------------------------------------

@pytest.mark.req("ACC-08")
def test_cli_verify_exit_codes(db_session, clock):
    append(db_session, clock, 3)
    ok = run_cli(["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "3" in ok.output

    tamper(db_session, "UPDATE audit_entry SET object_id = '42' WHERE seq = 2")
    broken = run_cli(["audit", "verify"])
    assert broken.exit_code != 0
    assert "seq 2" in broken.output


@pytest.mark.req("ACC-08")
def test_cli_verify_reports_truncated_chain(db_session, clock):
    append(db_session, clock, 3)
    tamper(db_session, "DELETE FROM audit_entry WHERE seq = 3")
    result = run_cli(["audit", "verify"])
    assert result.exit_code != 0
    assert "seq 3" in result.output


@pytest.mark.req("ACC-02")
@pytest.mark.req("ACC-08")
def test_cli_create_person(db_session):
    number = resident_id(birth="19920415", region="511602", serial="271")
    result = run_cli(["accounts", "create-person", "--name", "李四", "--id-number", number, "--phone", "13912345678"])
    assert result.exit_code == 0, result.output
    password = result.stdout.strip().splitlines()[-1].strip()
    assert len(password) >= 8 and any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
    # What the clerk sees names the person but never shows the full number or birth date.
    assert number not in result.output and "19920415" not in result.output

    person = persons.find_by_document(db_session=db_session, kind="resident_id", number=number)
    assert person is not None
    assert (person.name, person.phone, person.registered_via) == ("李四", "13912345678", "window")
    assert person.must_change_password is True
    from tongban.accounts.passwords import check_password

    assert check_password(person.password_hash, password)

    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "person.register")).one()
    assert (entry.actor, entry.object_kind, entry.object_id) == ("cli", "person", str(person.id))
    assert json.loads(entry.details)["via"] == "window"
    assert run_cli(["audit", "verify"]).exit_code == 0


@pytest.mark.req("ACC-02")
def test_cli_create_person_refuses_bad_number_and_duplicates(db_session):
    bad = resident_id(birth="19920415", region="511602", serial="272")
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    result = run_cli(["accounts", "create-person", "--name", "王五", "--id-number", bad, "--phone", "13912345679"])
    assert result.exit_code != 0
    assert "ID_NUMBER_CHECKSUM" in result.output

    number = resident_id(birth="19920415", region="511602", serial="273")
    args = ["accounts", "create-person", "--name", "王五", "--id-number", number, "--phone", "13912345679"]
    assert run_cli(args).exit_code == 0
    again = run_cli(args)
    assert again.exit_code != 0 and "ALREADY_REGISTERED" in again.output
    db_session.expire_all()
    assert db_session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) == 1
