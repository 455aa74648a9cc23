"""The secret ballot's pure parts: what a receipt code turns into, and the sealed ballot's text.

A receipt code is a random secret that only its voter holds. Three different digests are made
of it, each with its own prefix (domain separation), so that none can be computed from another
and no two tables share a value:

- the **commitment**, kept on the voter's participation: it lets the voter, and nobody else,
  replace their own ballot (revising needs the reviser's participation to hold the commitment of
  the receipt they present);
- the **revision tag**, kept on the plain ballot where the cycle allows revision: it finds the
  ballot a revision replaces, and is never published;
- the **published digest** (the plain SHA-256 of the code, which a voter can compute with any
  tool): listed on its own, shuffled apart from the ballots, so that a voter can check that
  their ballot is in the count and nobody can tie a receipt to choices.

A sealed ballot is the ballot's content as canonical JSON padded to a multiple of
``PAD_BLOCK`` bytes, so that the length of the sealed text says nothing of how many projects
were chosen. Sealing itself (public-key encryption) is done by the services with a library;
this module imports nothing of the project, Flask or SQLAlchemy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

PAD_BLOCK = 512
_COMMITMENT = b"microprojects/participation-commitment/v1\x00"
_REVISION_TAG = b"microprojects/ballot-revision-tag/v1\x00"


def published_digest(receipt: str) -> str:
    """What the public list of receipts holds: the SHA-256 of the code as printed."""
    return hashlib.sha256(receipt.encode("ascii")).hexdigest()


def commitment(receipt: str) -> str:
    """What the voter's participation holds of their receipt."""
    return hashlib.sha256(_COMMITMENT + receipt.encode("ascii")).hexdigest()


def revision_tag(receipt: str) -> str:
    """What a ballot that may be revised holds of its receipt."""
    return hashlib.sha256(_REVISION_TAG + receipt.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class SealedContent:
    """What a sealed ballot holds. ``revision_tag`` and ``published`` are empty for a ballot
    without a receipt (paper). ``replaces_tag`` and ``replaces_published`` name the ballot a
    revision replaces, and its receipt's published digest."""

    choices: tuple[str, ...]
    points: tuple[int, ...] | None
    revision_tag: str = ""
    published: str = ""
    replaces_tag: str = ""
    replaces_published: str = ""


class SealedContentError(ValueError):
    """An opened ballot whose text is not a ballot of this format."""


def encode(content: SealedContent) -> bytes:
    """Canonical JSON, padded with spaces to a multiple of ``PAD_BLOCK`` bytes."""
    body = json.dumps(
        {
            "v": 1,
            "c": list(content.choices),
            "p": None if content.points is None else list(content.points),
            "t": content.revision_tag,
            "r": content.published,
            "xt": content.replaces_tag,
            "xr": content.replaces_published,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode("utf-8")
    size = -(-(len(body) + 1) // PAD_BLOCK) * PAD_BLOCK
    return body + b" " * (size - len(body))


def decode(data: bytes) -> SealedContent:
    try:
        raw = json.loads(data.decode("utf-8"))
        if raw.get("v") != 1:
            raise SealedContentError("unknown version")
        points = raw["p"]
        return SealedContent(
            choices=tuple(str(c) for c in raw["c"]),
            points=None if points is None else tuple(int(p) for p in points),
            revision_tag=str(raw["t"]),
            published=str(raw["r"]),
            replaces_tag=str(raw["xt"]),
            replaces_published=str(raw["xr"]),
        )
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise SealedContentError(str(error)) from error


@dataclass(frozen=True)
class MixOutcome:
    """What a batch of opened ballots does to the stored ones: ballots to write, receipts to
    publish, and the tags and digests of ballots that revisions replace."""

    ballots: tuple[SealedContent, ...]
    receipts: tuple[str, ...]
    removed_tags: frozenset[str]
    removed_receipts: frozenset[str]


def apply_batch(batch: Sequence[SealedContent]) -> MixOutcome:
    """Revisions in a batch remove the ballot they replace, whether it was mixed before or is in
    the same batch (tags are never reused, so the order inside the batch does not matter)."""
    removed_tags = frozenset(c.replaces_tag for c in batch if c.replaces_tag)
    removed_receipts = frozenset(c.replaces_published for c in batch if c.replaces_published)
    kept = tuple(c for c in batch if not (c.revision_tag and c.revision_tag in removed_tags))
    receipts = tuple(
        c.published for c in kept if c.published and c.published not in removed_receipts
    )
    return MixOutcome(
        ballots=kept,
        receipts=receipts,
        removed_tags=removed_tags,
        removed_receipts=removed_receipts,
    )
