"""Uploaded materials: type and size checks by content, hashing, encryption at rest (CASE-01, CASE-03)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
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


def sniff(data: bytes) -> str | None:
    for content_type, prefixes in SIGNATURES.items():
        if any(data.startswith(p) for p in prefixes):
            return content_type
    return None


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
        raise InvalidInput("FILE_TYPE", f"“{material_name}”只能上传 PDF、JPG、PNG 或 OFD 文件")
    return CheckedFile(
        material_key=upload.material_key,
        filename=safe_name(upload.filename, content_type),
        content_type=content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        data=upload.data,
    )
