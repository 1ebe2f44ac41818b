"""Uploaded materials: type and size checks by content, hashing, encryption at rest (CASE-01, CASE-03)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from tongban.core.errors import InvalidInput

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 40
# Recognised by their first bytes, not by the name the browser sends.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/ofd": (b"PK\x03\x04",),  # OFD (GB/T 33190) is a zip container
}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "application/ofd": ".ofd"}
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG", "application/ofd": "OFD"}
# What a file's name claims it is; the content decides, but the name tells what the person meant to upload.
CLAIMED = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".ofd": "application/ofd"}
ACCEPTED_TEXT = "PDF、JPG、PNG 或 OFD"
ACCEPT_ATTRIBUTE = ",".join(CLAIMED)  # the file inputs' accept="…": the same kinds


@dataclass(frozen=True)
class Upload:
    material_key: str
    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    material_key: str
    filename: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def _is_ofd(data: bytes) -> bool:
    """A zip is an OFD only with the OFD.xml entry point at its root (GB/T 33190); a Word or Excel file is a zip too."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(name.lower() == "ofd.xml" for name in archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def sniff(data: bytes) -> str | None:
    for content_type, prefixes in SIGNATURES.items():
        if any(data.startswith(p) for p in prefixes):
            if content_type == "application/ofd" and not _is_ofd(data):
                return None
            return content_type
    return None


def _extension(filename: str) -> str:
    name = unicodedata.normalize("NFKC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


def type_error(filename: str, material_name: str) -> InvalidInput:
    """Why the content was refused, in terms of what the person chose: a file named .pdf that is no PDF is told so."""
    extension = _extension(filename)
    claimed = CLAIMED.get(extension)
    if claimed is not None:
        kind = TYPE_NAMES[claimed]
        return InvalidInput(
            "FILE_TYPE",
            f"“{material_name}”的文件扩展名是 {extension}，但文件内容不是 {kind}（文件可能已损坏，或是其他格式的文件改了扩展名）。"
            f"请重新导出或扫描为 {ACCEPTED_TEXT} 文件后上传",
        )
    known = re.fullmatch(r"\.[a-z0-9]{1,8}", extension)
    shown = f"“{extension[1:].upper()}”格式的文件" if known else "内容无法识别的文件"
    return InvalidInput("FILE_TYPE", f"“{material_name}”只能上传 {ACCEPTED_TEXT} 文件，您选择的是{shown}")


def safe_name(filename: str, content_type: str) -> str:
    name = unicodedata.normalize("NFKC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f<>:\"|?*]", "", name).strip(" .")[:150]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem or "材料") + EXTENSIONS[content_type]


def check(upload: Upload, material_name: str) -> CheckedFile:
    if not upload.data:
        raise InvalidInput("FILE_EMPTY", f"“{material_name}”的文件是空的，请重新选择")
    if len(upload.data) > MAX_FILE_BYTES:
        raise InvalidInput("FILE_TOO_LARGE", f"“{material_name}”的文件超过 10 MB，请压缩后再上传")
    content_type = sniff(upload.data)
    if content_type is None:
        raise type_error(upload.filename, material_name)
    return CheckedFile(
        material_key=upload.material_key,
        filename=safe_name(upload.filename, content_type),
        content_type=content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        data=upload.data,
    )


def decode_uploads(sent: Iterable) -> list[Upload]:
    """The files of an API request (each with `material_key`, `filename`, `content_base64`), decoded."""
    found: list[Upload] = []
    for file in sent:
        try:
            data = base64.b64decode(file.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("FILE_ENCODING", f"文件“{file.filename}”的内容不是有效的 Base64 编码") from None
        found.append(Upload(file.material_key, file.filename, data))
    return found
