"""Imports every domain's tables so that metadata (and Alembic) sees all of them."""

from tongban.accounts.models import (  # noqa: F401
    AccessPolicy,
    AgreementSignature,
    AuthSession,
    Delegation,
    LinkedIdentity,
    LoginChallenge,
    Organisation,
    Person,
    QrLogin,
    SmsCode,
    StaffAccount,
    StaffToken,
    StatusRequest,
    VerifiedFactor,
)
from tongban.baselib.models import LegalPersonRecord, PopulationFactor, PopulationRecord  # noqa: F401
from tongban.catalog.models import (  # noqa: F401
    Agency,
    Attachment,
    DirectoryEntry,
    ItemFacet,
    ItemVersion,
    Region,
    ServiceItem,
)
from tongban.core.audit import AuditEntry, AuditHead  # noqa: F401
from tongban.core.db import Base  # noqa: F401
from tongban.publications.models import Publication  # noqa: F401
from tongban.search.models import SearchClick, SearchLog  # noqa: F401
