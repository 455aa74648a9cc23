"""SQLAlchemy models, one module per area. Models hold data and invariants; they never commit."""

from .accounts import CommitteeMembership, Organization, OrganizationMember, User
from .audit import AuditEntry
from .base import utcnow
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

__all__ = [
    "Assessment",
    "AuditEntry",
    "CoProposer",
    "Comment",
    "CommentReport",
    "CommitteeMembership",
    "Community",
    "Cycle",
    "District",
    "Grid",
    "Household",
    "HouseholdCode",
    "Notification",
    "Organization",
    "OrganizationMember",
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
