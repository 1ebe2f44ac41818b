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
import tongban.appointments.models  # noqa: F401,E402  (the domain's tables)
import tongban.supervision.models  # noqa: F401,E402
from tongban.baselib.models import LegalPersonRecord, PopulationFactor, PopulationRecord  # noqa: F401
from tongban.cases.documents import Document  # noqa: F401
from tongban.cases.models import (  # noqa: F401
    Case,
    CaseDelivery,
    CaseEvent,
    CaseFile,
    CaseMaterial,
    CasePause,
    CasePost,
    Payment,
)
from tongban.cases.licences import License, LicenceSerial  # noqa: F401
from tongban.cases.org_seals import OrganisationSeal  # noqa: F401
from tongban.cases.seals import Seal  # noqa: F401
from tongban.catalog.models import (  # noqa: F401
    Agency,
    Attachment,
    DirectoryEntry,
    DirectoryRevision,
    ItemFacet,
    ItemVersion,
    Region,
    ServiceItem,
)
from tongban.core.audit import AuditEntry, AuditHead  # noqa: F401
from tongban.core.limits import AttemptCounter  # noqa: F401
from tongban.core.calendar import CalendarDay, CalendarYear  # noqa: F401
from tongban.core.db import Base  # noqa: F401
from tongban.notify.inbox import InboxMessage  # noqa: F401
from tongban.notify.outbox import Job  # noqa: F401
from tongban.notify.service import NotificationDelivery  # noqa: F401
from tongban.publications.models import Publication  # noqa: F401
from tongban.search.models import HiddenSearch, SearchClick, SearchLog  # noqa: F401
