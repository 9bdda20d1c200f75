"""SQLAlchemy models, split by meaning; import this package to register them all."""

from portal.domain.models.audit import AuditEvent
from portal.domain.models.base import Base
from portal.domain.models.blobs import StagedBlob
from portal.domain.models.clusters import ClusterOrganisation, ClusterState, IncidentCluster
from portal.domain.models.compacts import (
    AssessorDatum,
    Compact,
    CompactDesk,
    CompactStatus,
    MonitoringPlan,
    PlanIndicator,
    PrivacyBudgetSpend,
    Scorecard,
    ScorecardEntry,
    ScoringSnapshot,
    TierDecision,
)
from portal.domain.models.exports import DataExport, ExportFormat, ExportKind, ExportState
from portal.domain.models.indicators import IndicatorDefinition
from portal.domain.models.instance import InstanceFingerprint
from portal.domain.models.keys import DeskKey, DeskKeyWrap, DeskMatchKey, KeyRotation
from portal.domain.models.ledger import (
    AssistanceCatalogue,
    AssistanceOverride,
    Disbursement,
    LedgerBook,
    LedgerEntry,
    LevyRate,
    ReformGrant,
    UnitFlag,
)
from portal.domain.models.member_lists import MemberReportList
from portal.domain.models.monitoring import (
    DisruptionKind,
    MonitoringDisruption,
    PartnerAttestation,
)
from portal.domain.models.outbox import OutboxJob, OutboxState
from portal.domain.models.people import (
    ApiToken,
    Desk,
    DeskMembership,
    Organisation,
    Role,
    StaffSession,
    ThrottleCounter,
    User,
    UserRole,
)
from portal.domain.models.receipts import ReceiptLookupScheme
from portal.domain.models.reports import (
    Attachment,
    AttachmentKind,
    Channel,
    KeyHolder,
    Message,
    MessageDirection,
    Report,
    ReportIndicator,
    ReportKeyWrap,
    VerifierNote,
)
from portal.domain.models.resends import SentOnce
from portal.domain.models.sign_in import KnownDevice, SetupLink, SetupPurpose

__all__ = [
    "ApiToken",
    "AssessorDatum",
    "AssistanceCatalogue",
    "AssistanceOverride",
    "Attachment",
    "AttachmentKind",
    "AuditEvent",
    "Base",
    "Channel",
    "ClusterOrganisation",
    "ClusterState",
    "Compact",
    "CompactDesk",
    "CompactStatus",
    "DataExport",
    "Desk",
    "DeskKey",
    "DeskKeyWrap",
    "DeskMatchKey",
    "DeskMembership",
    "Disbursement",
    "DisruptionKind",
    "ExportFormat",
    "ExportKind",
    "ExportState",
    "IncidentCluster",
    "IndicatorDefinition",
    "InstanceFingerprint",
    "KeyHolder",
    "KeyRotation",
    "KnownDevice",
    "LedgerBook",
    "LedgerEntry",
    "LevyRate",
    "MemberReportList",
    "Message",
    "MessageDirection",
    "MonitoringDisruption",
    "MonitoringPlan",
    "Organisation",
    "OutboxJob",
    "OutboxState",
    "PartnerAttestation",
    "PlanIndicator",
    "PrivacyBudgetSpend",
    "ReceiptLookupScheme",
    "ReformGrant",
    "Report",
    "ReportIndicator",
    "ReportKeyWrap",
    "Role",
    "Scorecard",
    "ScorecardEntry",
    "ScoringSnapshot",
    "SentOnce",
    "SetupLink",
    "SetupPurpose",
    "StaffSession",
    "StagedBlob",
    "ThrottleCounter",
    "TierDecision",
    "UnitFlag",
    "User",
    "UserRole",
    "VerifierNote",
]
