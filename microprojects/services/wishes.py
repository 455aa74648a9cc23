"""Small wishes (点亮微心愿) all year: a verified resident sends what they need, outside any
cycle; the community's committee answers each once (taken into the next cycle, referred to
12345 or another office, or declined with a public reason) and makes a proposal of a cycle
that collects now from a taken wish. Each use case is one transaction with its audit row; the
resident is told of the answer and of the proposal (``notifications.notify``).

The wish wall shows the text, the place, the status and the answer, never who wrote it; the
photo is served only to its author and the committee (``may_see_photo``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update

from ..domain.characters import clean_line, clean_text
from ..domain.permissions import Action, can
from ..domain.phases import Phase
from ..domain.wishes import (
    PLACE_MAX,
    TEXT_MAX,
    Answer,
    WishStatus,
    answer_problem,
    may_become_proposal,
    may_send,
)
from ..extensions import db
from ..models import Community, Cycle, Proposal, User, Wish
from . import audit
from .accounts import actor_for
from .cycles import list_community_cycles
from .errors import ErrorCode, PermissionDenied, ServiceError
from .notifications import notify
from .photos import PhotoError, clean_photo
from .proposals import ProposalInput, add_entered, upload_dir
from .proposals import _validate as validate_proposal
from .rows import rows_changed


def send_problem(user: User | None, community: Community) -> ErrorCode | None:
    """Why ``user`` may not send a wish to ``community`` (None: they may)."""
    if user is None or not user.is_authenticated:
        return ErrorCode.CANNOT_WISH_NOT_LOGGED_IN
    residency = user.residency
    if residency is None or not residency.is_verified:
        return ErrorCode.CANNOT_WISH_NOT_VERIFIED
    if residency.community_id != community.id:
        return ErrorCode.CANNOT_WISH_OTHER_COMMUNITY
    return None


def is_committee(user: User | None, community_id: int) -> bool:
    return can(actor_for(user), Action.SCREEN_PROPOSALS, community_id)


def may_see_photo(user: User | None, wish: Wish) -> bool:
    """A wish's photo may show people, their homes or their plates: its author and the
    committee see it, nobody else."""
    if user is None or not user.is_authenticated:
        return False
    return wish.author_id == user.id or is_committee(user, wish.community_id)


def _open_count(user_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Wish)
            .where(Wish.author_id == user_id, Wish.status == WishStatus.OPEN.value)
        )
        or 0
    )


def _keep_photo(data: bytes) -> tuple[str, str]:
    """Checked, stripped and re-encoded as a proposal's photo is; refused the same way."""
    try:
        photo = clean_photo(data, max_bytes=current_app.config["PHOTO_MAX_BYTES"])
    except PhotoError as error:
        raise ServiceError(ErrorCode(f"photo_{error.code}"), **error.params) from None
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    (upload_dir() / name).write_bytes(photo.content)
    return name, photo.mime


def send_wish(
    user: User,
    community: Community,
    *,
    text: str,
    place: str = "",
    photo: bytes | None = None,
    now: datetime,
) -> Wish:
    """A verified resident's wish to their community's committee, at any time of the year.
    At most ``MAX_OPEN_PER_PERSON`` wait for an answer at once."""
    problem = send_problem(user, community)
    if problem is not None:
        raise ServiceError(problem)
    text = clean_text(text)
    place = clean_line(place)
    if not clean_line(text):  # nothing visible: no wish
        raise ServiceError(ErrorCode.WISH_TEXT_REQUIRED)
    if len(text) > TEXT_MAX or len(place) > PLACE_MAX:
        raise ServiceError(ErrorCode.TOO_LONG)
    # Two wishes sent at once by one person count one after the other: the account's row is
    # held while they are counted.
    rows_changed(update(User).where(User.id == user.id).values(id=User.id))
    if not may_send(_open_count(user.id)):
        raise ServiceError(ErrorCode.WISH_TOO_MANY_OPEN)
    name = mime = None
    if photo:
        name, mime = _keep_photo(photo)
    wish = Wish(
        community_id=community.id,
        author_id=user.id,
        text=text,
        place=place,
        photo_filename=name,
        photo_mime=mime,
        created_at=now,
        status=WishStatus.OPEN,
    )
    db.session.add(wish)
    try:
        db.session.flush()
        audit.record(
            user,
            "wish.send",
            "wish",
            wish.id,
            community_id=community.id,
            after={"text": text, "place": place, "photo": bool(name)},
            now=now,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if name:
            (upload_dir() / name).unlink(missing_ok=True)
        raise
    return wish


def _lock(wish: Wish) -> None:
    """Hold the wish's row and read it as it is: two answers at once decide one after the
    other, the second on the state the first left."""
    rows_changed(update(Wish).where(Wish.id == wish.id).values(status=Wish.status))
    db.session.refresh(wish)


def answer_wish(
    actor: User,
    wish: Wish,
    *,
    status: str,
    answer: str,
    referred_to: str = "",
    now: datetime,
) -> None:
    """The committee's one answer to an open wish of its community."""
    if not is_committee(actor, wish.community_id):
        raise PermissionDenied()
    _lock(wish)
    try:
        chosen = WishStatus(status)
    except ValueError:
        raise ServiceError(ErrorCode.WISH_ANSWER_UNKNOWN) from None
    text = clean_text(answer)
    where = clean_line(referred_to) if chosen is WishStatus.REFERRED else ""
    problem = answer_problem(wish.status, Answer(chosen, text, where))
    if problem is not None:
        raise ServiceError(ErrorCode(problem.value))
    before = wish.snapshot()
    wish.status = chosen
    wish.answer = text
    wish.referred_to = where
    wish.answered_by_id = actor.id
    wish.answered_at = now
    audit.record(
        actor,
        "wish.answer",
        "wish",
        wish.id,
        community_id=wish.community_id,
        before=before,
        after=wish.snapshot(),
        now=now,
    )
    if wish.author_id is not None:
        notify(
            [wish.author_id],
            "wish_answered",
            None,
            {"wish": wish.id, "status": chosen.value, "referred_to": where, "note": text},
            now=now,
        )
    db.session.commit()


def collecting_cycles(community: Community, now: datetime) -> list[Cycle]:
    """The cycles of ``community`` (its own and its street's) collecting proposals now."""
    return [c for c in list_community_cycles(community) if c.phase(now) is Phase.COLLECTING]


def propose_from_wish(
    actor: User,
    wish: Wish,
    cycle: Cycle,
    data: ProposalInput,
    *,
    on_behalf_of: str,
    now: datetime,
) -> Proposal:
    """A proposal of ``cycle`` made from a taken wish: entered by the committee on the
    resident's behalf, as one brought to the office, with the wish's text as its description
    and a link back to the wish. Only in a cycle of the wish's community that collects now."""
    if not is_committee(actor, wish.community_id):
        raise PermissionDenied()
    _lock(wish)
    if wish.status is not WishStatus.TAKEN:
        raise ServiceError(ErrorCode.WISH_NOT_TAKEN)
    linked = db.session.scalar(select(Proposal.id).where(Proposal.wish_id == wish.id))
    if not may_become_proposal(wish.status, linked is not None):
        raise ServiceError(ErrorCode.WISH_ALREADY_PROPOSED)
    if wish.community_id not in cycle.community_ids or cycle.phase(now) is not Phase.COLLECTING:
        raise ServiceError(ErrorCode.WISH_NO_COLLECTING_CYCLE)
    name = clean_line(on_behalf_of)
    if not name:
        raise ServiceError(ErrorCode.REQUIRED, field="on_behalf_of")
    values = validate_proposal(cycle, replace(data, description=wish.text))
    proposal = add_entered(
        actor, cycle, wish.community_id, values, on_behalf_of=name, channel="office",
        action="proposal.from_wish", columns={"wish_id": wish.id}, noted={"wish": wish.id},
        now=now,
    )  # fmt: skip
    audit.record(
        actor,
        "wish.proposed",
        "wish",
        wish.id,
        community_id=wish.community_id,
        after={"proposal": proposal.id, "cycle": cycle.id},
        now=now,
    )
    if wish.author_id is not None:
        notify([wish.author_id], "wish_proposed", proposal, {"wish": wish.id}, now=now)
    db.session.commit()
    return proposal


# --- reading ---------------------------------------------------------------------------------


def find_wish(wish_id: int) -> Wish | None:
    return db.session.get(Wish, wish_id)


def wish_of_proposal(proposal: Proposal) -> Wish | None:
    return None if proposal.wish_id is None else db.session.get(Wish, proposal.wish_id)


def my_wishes(user: User) -> list[Wish]:
    return list(
        db.session.scalars(
            select(Wish)
            .where(Wish.author_id == user.id)
            .order_by(Wish.created_at.desc(), Wish.id.desc())
        )
    )


WALL_SIZE = 100


def wall(community: Community) -> list[Wish]:
    """The community's latest wishes, newest first."""
    return list(
        db.session.scalars(
            select(Wish)
            .where(Wish.community_id == community.id)
            .order_by(Wish.created_at.desc(), Wish.id.desc())
            .limit(WALL_SIZE)
        )
    )


@dataclass(frozen=True)
class CommitteeWishes:
    open: list[Wish]
    answered: list[Wish]
    counts: dict[str, int]


def committee_list(actor: User, community: Community) -> CommitteeWishes:
    """Open wishes first (the oldest first: they have waited longest), then the answered ones,
    newest first; with the count of each status."""
    if not is_committee(actor, community.id):
        raise PermissionDenied()
    rows = list(
        db.session.scalars(
            select(Wish)
            .where(Wish.community_id == community.id)
            .order_by(Wish.created_at.desc(), Wish.id.desc())
        )
    )
    counts = {s.value: 0 for s in WishStatus}
    for wish in rows:
        counts[wish.status.value] += 1
    return CommitteeWishes(
        open=[w for w in reversed(rows) if w.status is WishStatus.OPEN],
        answered=[w for w in rows if w.status is not WishStatus.OPEN],
        counts=counts,
    )
