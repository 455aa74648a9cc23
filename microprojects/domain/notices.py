"""Notices that leave the site (SMS, e-mail): the channels, the states of a message in the
outbox, when a failed one is tried again, the limits on sending, and Aliyun's request signing.

Pure Python: the outbox's rows, the clock and the network belong to the services. The signing
follows Aliyun's RPC signature, version 1.0 (HMAC-SHA1 over the canonicalized query,
percent-encoded as Aliyun documents; the key is the AccessKeySecret followed by ``&``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import quote


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class MessageStatus(StrEnum):
    """queued: waiting for its first try (or for a limit to let it go); failed: tried, will be
    tried again at ``next_attempt_at``; sent; given_up: tried ``MAX_ATTEMPTS`` times."""

    QUEUED = "queued"
    FAILED = "failed"
    SENT = "sent"
    GIVEN_UP = "given_up"


WAITING = (MessageStatus.QUEUED, MessageStatus.FAILED)


class AnnouncementKind(StrEnum):
    """What the committee announces to every verified resident of a cycle, once each."""

    VOTING_OPEN = "voting_open"
    RESULTS_PUBLISHED = "results_published"


# Notice kinds sent by SMS besides the announcements (each has its Aliyun template).
PHONE_CODE = "phone_code"
OUTCOME = "outcome"
SMS_KINDS = (PHONE_CODE, AnnouncementKind.VOTING_OPEN.value,
             AnnouncementKind.RESULTS_PUBLISHED.value, OUTCOME)  # fmt: skip

MAX_ATTEMPTS = 5
# Waits after the 1st, 2nd, ... failed try; the last one repeats.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))

# Confirmation codes: six digits, valid ten minutes, five tries; per number at most one a
# minute and ten a day.
CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=10)
CODE_TRIES = 5
CODE_INTERVAL = timedelta(seconds=60)
CODES_PER_DAY = 10


# The variables of each kind's SMS template, as the template approved by Aliyun must name them;
# ``notice`` is the template of every other kind (a proposal one follows has news).
TEMPLATE_VARIABLES: dict[str, tuple[str, ...]] = {
    PHONE_CODE: ("code",),
    AnnouncementKind.VOTING_OPEN.value: ("cycle", "end"),
    AnnouncementKind.RESULTS_PUBLISHED.value: ("cycle", "link"),
    OUTCOME: ("project", "result", "cycle"),
    "notice": ("title",),
}
# Aliyun refuses a variable longer than this (35 for most; a little room for the ellipsis).
VARIABLE_MAX = 30
_RESULT_WORDS = {"zh": ("未入选", "入选"), "en": ("not funded", "funded")}


def template_params(template: str, params: dict[str, object], language: str) -> dict[str, str]:
    """The values of ``template``'s variables, from a message's parameters."""
    values = dict(params)
    if template == OUTCOME:
        words = _RESULT_WORDS.get(language, _RESULT_WORDS["zh"])
        values["result"] = words[str(params.get("funded")) in {"1", "True", "true"}]
    result = {}
    for name in TEMPLATE_VARIABLES.get(template, ()):
        text = str(values.get(name, ""))
        limit = 200 if name == "link" else VARIABLE_MAX
        result[name] = text if len(text) <= limit else text[: limit - 1] + "…"
    return result


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try of a message that has failed ``attempts`` times."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def after_failure(attempts: int, now: datetime) -> tuple[MessageStatus, datetime | None]:
    """The state of a message whose ``attempts``-th try has just failed, and its next try."""
    if attempts >= MAX_ATTEMPTS:
        return MessageStatus.GIVEN_UP, None
    return MessageStatus.FAILED, now + backoff(attempts)


def code_expired(created_at: datetime, now: datetime) -> bool:
    """A code sent (or waiting to be sent) since ``created_at`` no longer works: sending it later,
    or again, would only confuse."""
    return now >= created_at + CODE_VALID


def code_refusal(sent_at: list[datetime], now: datetime) -> timedelta | None:
    """None if a new code may go to a number that was sent codes at ``sent_at``; otherwise how
    long to wait."""
    recent = [t for t in sent_at if t > now - timedelta(days=1)]
    if len(recent) >= CODES_PER_DAY:
        return min(recent) + timedelta(days=1) - now
    latest = max(recent, default=None)
    if latest is not None and latest > now - CODE_INTERVAL:
        return latest + CODE_INTERVAL - now
    return None


# --- Aliyun RPC signature, version 1.0 --------------------------------------------------------


def percent_encode(value: object) -> str:
    """Aliyun's encoding: UTF-8, every byte but ``A-Z a-z 0-9 - _ . ~`` as ``%XX`` (upper
    case); so a space is ``%20``, ``*`` is ``%2A`` and ``~`` stays."""
    return quote(str(value), safe="-_.~")


def canonicalized_query(params: Mapping[str, object]) -> str:
    """The parameters (``Signature`` left out) sorted by name, encoded, joined with ``&``."""
    return "&".join(
        f"{percent_encode(name)}={percent_encode(params[name])}"
        for name in sorted(params)
        if name != "Signature"
    )


def string_to_sign(method: str, params: Mapping[str, object]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def rpc_signature(method: str, params: Mapping[str, object], access_key_secret: str) -> str:
    """Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))."""
    digest = hmac.new(
        (access_key_secret + "&").encode("utf-8"),
        string_to_sign(method, params).encode("utf-8"),
        hashlib.sha1,
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_query(method: str, params: Mapping[str, object], access_key_secret: str) -> str:
    """The request's query (or form body): the parameters and their ``Signature``."""
    signature = rpc_signature(method, params, access_key_secret)
    return f"Signature={percent_encode(signature)}&{canonicalized_query(params)}"
