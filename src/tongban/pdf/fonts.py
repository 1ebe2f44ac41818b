"""A ReportLab font that renders Chinese, so generated guides, notices and licences carry real text (GUIDE-01).

An embedded TrueType CJK font found on the system is preferred, because every reader shows it
the same way; ReportLab's built-in CID font `STSong-Light` is the fallback, which readers map to
a local Song face. Either way the text in the PDF stays extractable.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

ENV_VAR = "TONGBAN_CJK_FONT"
EMBEDDED_NAME = "TongbanCJK"
FALLBACK_CID = "STSong-Light"
KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/msyh.ttc",
)
LOADABLE_SUFFIXES = (".ttf", ".ttc")
PROBE_CHARS = "中国政务"


@dataclass(frozen=True)
class CjkFont:
    name: str  # the ReportLab font name to use in styles
    path: str | None  # the embedded file, or None for the built-in CID font


def register_cjk_font() -> str:
    """Register a Chinese-capable font once per process and return its ReportLab name."""
    return cjk_font().name


@functools.cache
def cjk_font() -> CjkFont:
    """The font chosen for this process, with the file it came from."""
    for path in _candidate_paths():
        if _register_truetype(path):
            return CjkFont(name=EMBEDDED_NAME, path=path)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
    _map_family(FALLBACK_CID)
    return CjkFont(name=FALLBACK_CID, path=None)


def _candidate_paths() -> list[str]:
    paths = []
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        paths.append(configured)
    paths.extend(KNOWN_PATHS)
    matched = _fc_match()
    if matched:
        paths.append(matched)
    return [p for p in dict.fromkeys(paths) if _loadable_file(p)]


def _loadable_file(path: str) -> bool:
    return path.lower().endswith(LOADABLE_SUFFIXES) and Path(path).is_file()


def _fc_match() -> str | None:
    executable = shutil.which("fc-match")
    if executable is None:
        return None
    try:
        completed = subprocess.run(
            [executable, "-f", "%{file}", ":lang=zh"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() or None


def _register_truetype(path: str) -> bool:
    """Register `path` if ReportLab can load it and it really has Chinese glyphs."""
    try:
        font = TTFont(EMBEDDED_NAME, path, subfontIndex=0)
    except (TTFError, OSError, ValueError):
        return False
    # fontconfig may answer a Latin font for :lang=zh when no CJK font is installed.
    if not all(ord(ch) in font.face.charToGlyph for ch in PROBE_CHARS):
        return False
    pdfmetrics.registerFont(font)
    _map_family(EMBEDDED_NAME)
    return True


def _map_family(name: str) -> None:
    """Map bold and italic to the same face so `<b>` markup never fails to find a font."""
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)
