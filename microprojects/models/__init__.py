"""SQLAlchemy models, one module per area. Models hold data and invariants; they never commit."""

from .accounts import CommitteeMembership, Organization, OrganizationMember, User
from .audit import AuditEntry
from .base import utcnow
from .counting import Count, CountOutcome
from .cycles import Cycle
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
from .residency import (
    Household,
    HouseholdCode,
    Residency,
    ResidencyStatus,
    RosterEntry,
    VerificationMethod,
)
from .voting import (
    Ballot,
    PaperEntry,
    PaperKeying,
    Participation,
    PollingStation,
    PublishedReceipt,
    SealedBallot,
)

__all__ = [
    "Assessment",
    "AuditEntry",
    "Ballot",
    "CoProposer",
    "Comment",
    "CommentReport",
    "CommitteeMembership",
    "Community",
    "Count",
    "CountOutcome",
    "Cycle",
    "District",
    "Follow",
    "Grid",
    "Household",
    "HouseholdCode",
    "Implementation",
    "Milestone",
    "Notification",
    "Objection",
    "Organization",
    "OrganizationMember",
    "PaperEntry",
    "PaperKeying",
    "Participation",
    "PollingStation",
    "ProblemReport",
    "ProgressPhoto",
    "ProgressUpdate",
    "Proposal",
    "ProposalPhoto",
    "PublishedReceipt",
    "Rating",
    "Residency",
    "ResidencyStatus",
    "RosterEntry",
    "SealedBallot",
    "Spending",
    "Street",
    "Support",
    "User",
    "VerificationMethod",
    "utcnow",
]
