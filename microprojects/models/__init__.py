"""SQLAlchemy models, one module per area. Models hold data and invariants; they never commit."""

from .accounts import CommitteeMembership, Organization, OrganizationMember, User
from .audit import AuditEntry
from .base import utcnow
from .counting import Count, CountOutcome
from .cycles import Cycle
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
from .voting import Ballot, PaperEntry, Participation

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
    "Grid",
    "Household",
    "HouseholdCode",
    "Notification",
    "Organization",
    "OrganizationMember",
    "PaperEntry",
    "Participation",
    "Proposal",
    "ProposalPhoto",
    "Residency",
    "ResidencyStatus",
    "RosterEntry",
    "Street",
    "Support",
    "User",
    "VerificationMethod",
    "utcnow",
]
