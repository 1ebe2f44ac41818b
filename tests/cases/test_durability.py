"""Nothing acknowledged is lost: a server killed with SIGKILL under load keeps every case it numbered (ARCHITECTURE 2)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from tongban.cases.models import Case, CaseFile, CaseMaterial
from tongban.core.clock import SystemClock

from tests.cases.caseflow import b64, case_item, PDF, PNG, person_headers
from tests.factories import make_person


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str, port: int, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "TONGBAN_DATABASE_URL": database_url, "TONGBAN_INPROCESS_WORKER": "0",
           "TONGBAN_SMS_FILE": str(tmp_path / "sms.jsonl"), "TONGBAN_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tongban.app:serve_app", "--factory", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"server-{port}.log", "w"), start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code < 500:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError((tmp_path / f"server-{port}.log").read_text())


def test_every_acknowledged_case_survives_sigkill(db_session, clock, database_url, tmp_path):
    item, _ = case_item(db_session, clock)
    people = [make_person(db_session, clock) for _ in range(4)]
    headers = [person_headers(db_session, SystemClock(), p) for p in people]  # the server runs on real time
    db_session.commit()
    port = free_port()
    server = start_server(database_url, port, tmp_path)
    acknowledged: list[tuple[str, str]] = []  # (case number, idempotency key)
    stop = threading.Event()
    failures: list[str] = []

    def load(worker: int) -> None:
        n = 0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            while not stop.is_set():
                n += 1
                key = f"durable-{worker}-{n:06d}"
                body = {"item_id": item.id,
                        "form": {"applicant_name": "张三", "contact_phone": "13900000001", "address": "广安区建设路1号", "copies": "1"},
                        "files": [{"material_key": "m2", "filename": "平面图.pdf", "content_base64": b64(PDF)},
                                  {"material_key": "m3", "filename": "健康证.png", "content_base64": b64(PNG)}]}
                try:
                    reply = http.post("/api/v1/cases", json=body, headers={**headers[worker], "Idempotency-Key": key})
                except httpx.HTTPError:
                    return  # the server died under us: this request was never acknowledged
                if reply.status_code == 201:
                    acknowledged.append((reply.json()["case_number"], key))
                else:
                    failures.append(reply.text[:300])

    threads = [threading.Thread(target=load, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    stop.set()
    for t in threads:
        t.join()
    assert len(acknowledged) >= 12, failures[:3]

    server = start_server(database_url, port, tmp_path)  # the restart recovers the database (WAL replay)
    try:
        db_session.expire_all()
        for number, key in acknowledged:
            case = db_session.scalar(select(Case).where(Case.case_number == number))
            assert case is not None, f"acknowledged case {number} was lost"
            assert case.idempotency_key == key
            files = db_session.scalar(select(func.count(CaseFile.id)).where(CaseFile.case_id == case.id))
            materials = db_session.scalar(select(func.count(CaseMaterial.id)).where(CaseMaterial.case_id == case.id))
            assert (files, materials) == (2, 3), number
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            number, key = acknowledged[0]
            worker = int(key.split("-")[1])
            body = {"item_id": item.id, "form": {"applicant_name": "张三", "contact_phone": "13900000001", "address": "x", "copies": "1"},
                    "files": [{"material_key": "m2", "filename": "a.pdf", "content_base64": b64(PDF)},
                              {"material_key": "m3", "filename": "b.png", "content_base64": b64(PNG)}]}
            again = http.post("/api/v1/cases", json=body, headers={**headers[worker], "Idempotency-Key": key})
            assert again.status_code == 201 and again.json()["case_number"] == number  # a retry after the crash
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
