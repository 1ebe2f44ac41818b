"""Tables of the appointments domain."""

from __future__ import annotations
