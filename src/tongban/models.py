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
import tongban.knowledge.models  # noqa: F401,E402
import tongban.helpdesk.models  # noqa: F401,E402
import tongban.ratings.models  # noqa: F401,E402
import tongban.complaints.models  # noqa: F401,E402
import tongban.bundles.models  # noqa: F401,E402
import tongban.credit.models  # noqa: F401,E402
import tongban.policies.models  # noqa: F401,E402
import tongban.crossregion.models  # noqa: F401,E402
from tongban.baselib.models import LegalPersonRecord, PopulationFactor, PopulationRecord  # noqa: F401
from tongban.cases.models import (  # noqa: F401
    Case,
    CaseDelivery,
    CaseEvent,
    CaseFile,
    CaseMaterial,
    CasePause,
    CasePost,
    Document,
    LicenceSerial,
    License,
    OrganisationSeal,
    Payment,
    Seal,
)
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
from tongban.core.models import AttemptCounter, AuditEntry, AuditHead  # noqa: F401
from tongban.core.db import Base  # noqa: F401
from tongban.notify.models import InboxMessage, Job, NotificationDelivery  # noqa: F401
from tongban.publications.models import Publication  # noqa: F401
from tongban.search.models import HiddenSearch, SearchClick, SearchLog  # noqa: F401
from tongban.workdays.models import CalendarDay, CalendarYear  # noqa: F401
