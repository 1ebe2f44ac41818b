"""Imports every domain's tables so that metadata (and Alembic) sees all of them."""

from tongban.accounts.models import StaffToken  # noqa: F401
from tongban.catalog.models import (  # noqa: F401
    Agency,
    Attachment,
    DirectoryEntry,
    ItemFacet,
    ItemVersion,
    Region,
    ServiceItem,
)
from tongban.core.db import Base  # noqa: F401
from tongban.publications.models import Publication  # noqa: F401
from tongban.search.models import SearchClick, SearchLog  # noqa: F401
