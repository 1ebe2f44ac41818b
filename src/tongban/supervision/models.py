"""Tables of the supervision domain."""

from __future__ import annotations
