"""The layering of docs/architecture.md: the import contracts hold, and the hooks that replaced mutual imports are wired."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    """`make test` runs lint-imports first; this keeps a plain pytest run honest too."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _fresh(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_documents_do_not_import_licences():
    """Documents render licences through a hook: importing documents alone loads no licence code."""
    out = _fresh("import sys, tongban.cases.documents as d; print('tongban.cases.licences' in sys.modules, d._licence_qr_signer)")
    assert out == "False None"


def test_worker_registers_the_licence_render_hook():
    """A worker process imports only its handlers; a licence's document must still render there with its QR."""
    out = _fresh(
        "from tongban.notify.worker import load_handlers; load_handlers();"
        "from tongban.cases import documents, licences; print(documents._licence_qr_signer is licences.sign_pending)"
    )
    assert out == "True"


def test_the_app_registers_the_licence_render_hook():
    out = _fresh(
        "from tongban.app import create_app; create_app();"
        "from tongban.cases import documents, licences; print(documents._licence_qr_signer is licences.sign_pending)"
    )
    assert out == "True"
