"""The hand-over between a receiving window and the handling region (异地受理、接件 → 属地, XREG-03; 002 9.2.2.1 b,
9.2.2.3, 9.2.2.4; 004 省内通办、跨省通办): self-contained, signed JSON envelopes.

Two kinds travel. An *intake* carries everything the handling region needs to file the case without asking back:
the item (its implementation code and region), the applicant as checked at the window, the form, the materials
(Base64, each with its SM3 digest), the chosen delivery and the receiving window. A *feedback* carries one step of
the case back to the receiving window (filed, accepted, result ready, delivered, ended), or the receiving window's
hand-over of the result to the person back to the handling region.

An envelope is canonical JSON (sorted keys, no spaces, UTF-8) signed with HMAC-SM3 under the cross-region key:
`TONGBAN_CROSSREGION_KEY` (hex, shared by the installations that exchange), else a key derived from this
installation's index key (good inside one installation). Nothing in an envelope refers to a row id of the sending
installation: items by code and region, agencies by code, staff by reference and name, so the same envelope can be
posted to another installation's exchange interface (a later issue) and accepted there by `window.accept_intake` /
`feedback.accept`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from datetime import datetime

from tongban.core.config import get_settings
from tongban.core.crypto import keyring
from tongban.core.errors import InvalidInput
from tongban.core.security import sm3_hex

INTAKE = "tongban.crossregion.intake/1"
FEEDBACK = "tongban.crossregion.feedback/1"
ALGORITHM = "HMAC-SM3"
MAX_ENVELOPE_BYTES = 60 * 1024 * 1024  # 40 files of 10 MB would not fit: a window sends what one case needs


def installation() -> str:
    """This installation's name in envelopes: `TONGBAN_INSTALLATION`, else one named after its home region."""
    settings = get_settings()
    return settings.installation or f"tongban-{settings.home_region}"


def _key() -> tuple[str, bytes]:
    configured = get_settings().crossregion_key
    if configured:
        try:
            return "shared", bytes.fromhex(configured)
        except ValueError:
            raise InvalidInput("CROSSREGION_KEY", "跨域通办交接密钥配置错误（应为十六进制）") from None
    return "local", hmac.new(keyring().index_key, b"tongban-crossregion-handover", hashlib.sha256).digest()


def canonical(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _mac(body: dict, key: bytes) -> str:
    return hmac.new(key, canonical(body), lambda: hashlib.new("sm3")).hexdigest()


def new_id() -> str:
    return uuid.uuid4().hex


def seal(body: dict) -> dict:
    """The envelope: the body and its signature."""
    key_id, key = _key()
    return {"body": body, "signature": {"algorithm": ALGORITHM, "key_id": key_id, "value": _mac(body, key)}}


def digest(envelope: dict) -> str:
    """SM3 of the whole envelope, the record both sides keep of what travelled."""
    return sm3_hex(canonical(envelope))


def to_bytes(envelope: dict) -> bytes:
    return canonical(envelope)


def from_bytes(data: bytes) -> dict:
    """An envelope as received over the wire; its signature is checked by `open_envelope`."""
    if len(data) > MAX_ENVELOPE_BYTES:
        raise InvalidInput("ENVELOPE_TOO_LARGE", "交接数据过大")
    try:
        envelope = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("ENVELOPE_FORMAT", "交接数据不是有效的 JSON") from None
    if not isinstance(envelope, dict):
        raise InvalidInput("ENVELOPE_FORMAT", "交接数据格式不正确")
    return envelope


def open_envelope(envelope: dict, *, kind: str) -> dict:
    """The body of a genuine envelope of this kind; anything altered, unsigned or of another kind is refused."""
    body, signature = envelope.get("body"), envelope.get("signature")
    if not isinstance(body, dict) or not isinstance(signature, dict):
        raise InvalidInput("ENVELOPE_FORMAT", "交接数据格式不正确：缺少内容或签名")
    if signature.get("algorithm") != ALGORITHM:
        raise InvalidInput("ENVELOPE_ALGORITHM", "交接数据的签名算法不受支持")
    _, key = _key()
    if not hmac.compare_digest(_mac(body, key), str(signature.get("value", ""))):
        raise InvalidInput("ENVELOPE_SIGNATURE", "交接数据签名核验不通过，可能已被篡改，已拒收")
    if body.get("kind") != kind:
        raise InvalidInput("ENVELOPE_KIND", "交接数据类型不符")
    if not isinstance(body.get("id"), str) or not 8 <= len(body["id"]) <= 40:
        raise InvalidInput("ENVELOPE_FORMAT", "交接数据缺少编号")
    return body


def files_out(uploads) -> list[dict]:
    """Materials for an intake envelope: each file's bytes in Base64 with its SM3 digest."""
    return [{"material_key": u.material_key, "filename": u.filename, "sha256": sm3_hex(u.data),
             "content_base64": base64.b64encode(u.data).decode("ascii")} for u in uploads]


def files_in(sent: list) -> list[tuple[str, str, bytes]]:
    """(material key, file name, bytes) of an intake's materials, each checked against its digest."""
    found = []
    for entry in sent if isinstance(sent, list) else []:
        try:
            data = base64.b64decode(entry["content_base64"], validate=True)
            key, name, expected = str(entry["material_key"]), str(entry["filename"]), str(entry["sha256"])
        except (KeyError, TypeError, binascii.Error, ValueError):
            raise InvalidInput("ENVELOPE_FILE", "交接数据中的材料文件格式不正确") from None
        if sm3_hex(data) != expected:
            raise InvalidInput("ENVELOPE_FILE", f"材料“{name}”与其摘要不符，已拒收")
        found.append((key, name, data))
    return found


def stamp(at: datetime) -> str:
    return at.isoformat()
