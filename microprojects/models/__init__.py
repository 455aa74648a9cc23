"""SQLAlchemy models, one module per area. Models hold data and invariants; they never commit."""

from .acceptance import Acceptance, AcceptanceDocument, AcceptanceInspector, PaperSurvey
from .accounts import CommitteeMembership, Organization, OrganizationMember, User
from .audit import AuditEntry
from .base import utcnow
from .contracts import DeliveryContract
from .counting import Count, CountOutcome
from .cycles import Cycle
from .deliberation import (
    AgendaItem,
    Attendance,
    Body,
    BodyMember,
    Meeting,
    MemberVote,
    Resolution,
)
from .grid_work import GridAssignment
from .implementation import (
    Follow,
    Implementation,
    Milestone,
    Objection,
    ProblemReport,
    ProgressPhoto,
    ProgressUpdate,
    Rating,
    Spending,
)
from .notices import Announcement, NoticeSettings, OutgoingMessage, PhoneCode
from .offers import OfferPhoto, ServiceOffer
from .packages import PackageItem, ProcurementPackage
from .places import Community, District, Grid, Street
from .proposals import (
    Assessment,
    Comment,
    CommentReport,
    CoProposer,
    Notification,
    Proposal,
    ProposalPhoto,
    Support,
)
from .remedies import Remedy
from .residency import (
    Household,
    HouseholdCode,
    Residency,
    ResidencyStatus,
    RosterEntry,
    VerificationMethod,
)
from .shortlist import ShortlistObjection, ShortlistPublication
from .versions import VERSION_ROW, ContentVersion
from .voting import (
    Ballot,
    PaperEntry,
    PaperKeying,
    Participation,
    PollingStation,
    PublishedReceipt,
    SealedBallot,
)
from .wishes import Wish

__all__ = [
    "VERSION_ROW",
    "Acceptance",
    "AcceptanceDocument",
    "AcceptanceInspector",
    "AgendaItem",
    "Announcement",
    "Assessment",
    "Attendance",
    "AuditEntry",
    "Ballot",
    "Body",
    "BodyMember",
    "CoProposer",
    "Comment",
    "CommentReport",
    "CommitteeMembership",
    "Community",
    "ContentVersion",
    "Count",
    "CountOutcome",
    "Cycle",
    "DeliveryContract",
    "District",
    "Follow",
    "Grid",
    "GridAssignment",
    "Household",
    "HouseholdCode",
    "Implementation",
    "Meeting",
    "MemberVote",
    "Milestone",
    "NoticeSettings",
    "Notification",
    "Objection",
    "OfferPhoto",
    "Organization",
    "OrganizationMember",
    "OutgoingMessage",
    "PackageItem",
    "PaperEntry",
    "PaperKeying",
    "PaperSurvey",
    "Participation",
    "PhoneCode",
    "PollingStation",
    "ProblemReport",
    "ProcurementPackage",
    "ProgressPhoto",
    "ProgressUpdate",
    "Proposal",
    "ProposalPhoto",
    "PublishedReceipt",
    "Rating",
    "Remedy",
    "Residency",
    "ResidencyStatus",
    "Resolution",
    "RosterEntry",
    "SealedBallot",
    "ServiceOffer",
    "ShortlistObjection",
    "ShortlistPublication",
    "Spending",
    "Street",
    "Support",
    "User",
    "VerificationMethod",
    "Wish",
    "utcnow",
]
