"""Uploaded materials are checked by their content, and a refusal says what was wrong with the file chosen (issue 21)."""

from __future__ import annotations

import io
import zipfile

import pytest

from tongban.cases import files
from tongban.cases.files import Upload
from tongban.core.errors import InvalidInput

from tests.cases.caseflow import PDF, PNG, b64, case_item, person_headers
from tests.factories import make_person

EXE = b"MZ\x90\x00rest of a program"


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


DOCX = _zip("[Content_Types].xml", "word/document.xml")
OFD = _zip("OFD.xml", "Doc_0/Document.xml")


def _refusal(filename: str, data: bytes) -> str:
    with pytest.raises(InvalidInput) as caught:
        files.check(Upload("m2", filename, data), "经营场所平面图")
    assert caught.value.code == "FILE_TYPE"
    return caught.value.message


@pytest.mark.parametrize(("filename", "kind"), [("平面图.pdf", "PDF"), ("照片.JPG", "JPG"), ("照片.jpeg", "JPG"),
                                                 ("扫描件.png", "PNG"), ("电子证照.ofd", "OFD")])
def test_a_file_named_as_an_accepted_type_whose_content_is_not_says_so(filename, kind):
    message = _refusal(filename, EXE if kind != "OFD" else DOCX)
    assert f"内容不是 {kind}" in message and "经营场所平面图" in message
    assert not message.startswith("“经营场所平面图”只能上传")


def test_a_file_of_another_type_is_told_which_types_are_accepted():
    assert "只能上传 PDF、JPG、PNG 或 OFD 文件，您选择的是“DOCX”格式的文件" in _refusal("报告.docx", DOCX)
    assert "内容无法识别" in _refusal("没有扩展名", EXE)


def test_a_word_file_is_not_taken_for_an_ofd_but_a_real_ofd_is():
    assert files.sniff(DOCX) is None  # both are zips; only an OFD has OFD.xml at its root
    checked = files.check(Upload("m2", "电子证照.ofd", OFD), "经营场所平面图")
    assert checked.content_type == "application/ofd" and checked.filename == "电子证照.ofd"


def test_the_content_decides_the_type_when_it_is_an_accepted_one():
    checked = files.check(Upload("m2", "平面图.pdf", PNG), "经营场所平面图")
    assert checked.content_type == "image/png" and checked.filename == "平面图.png"
    assert files.check(Upload("m2", "平面图.pdf", PDF), "经营场所平面图").content_type == "application/pdf"


@pytest.mark.req("CASE-01")
def test_the_api_says_the_pdf_is_not_a_pdf(client, db_session, clock):
    item, _ = case_item(db_session, clock)
    person = make_person(db_session, clock)
    headers = {**person_headers(db_session, clock, person), "Idempotency-Key": "files-not-a-pdf-01"}
    body = {
        "item_id": item.id,
        "form": {"applicant_name": "张三", "contact_phone": "13900000001", "address": "广安区建设路1号", "copies": "1"},
        "files": [{"material_key": "m2", "filename": "平面图.pdf", "content_base64": b64(EXE)},
                  {"material_key": "m3", "filename": "健康证.png", "content_base64": b64(PNG)}],
    }
    wrong = client.post("/api/v1/cases", json=body, headers=headers)
    assert wrong.status_code == 422
    error = wrong.json()["error"]
    assert error["code"] == "FILE_TYPE" and "扩展名是 .pdf，但文件内容不是 PDF" in error["message"]
