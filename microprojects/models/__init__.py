"""SQLAlchemy models, one module per area. Models hold data and invariants; they never commit."""

from .accounts import CommitteeMembership, Organization, OrganizationMember, User
from .audit import AuditEntry
from .base import utcnow
from .places import Community, District, Grid, Street
from .residency import (
    Household,
    HouseholdCode,
    Residency,
    ResidencyStatus,
    RosterEntry,
    VerificationMethod,
)

__all__ = [
    "AuditEntry",
    "CommitteeMembership",
    "Community",
    "District",
    "Grid",
    "Household",
    "HouseholdCode",
    "Organization",
    "OrganizationMember",
    "Residency",
    "ResidencyStatus",
    "RosterEntry",
    "Street",
    "User",
    "VerificationMethod",
    "utcnow",
]
