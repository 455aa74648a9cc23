"""Deliberative bodies and their meetings (议事会议): the committee's pages (bodies and members,
the schedule, a meeting with its attendance, votes, minutes and resolutions, the printable
minutes) and the public page of a meeting. Every committee route checks the permission for the
community; the public page shows counts and member names, nothing else of anyone."""

from __future__ import annotations

import re
from datetime import datetime

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ...domain.deliberation import BodyKind, MeetingStatus, Presence, VoteMode
from ...domain.permissions import Action, can
from ...models import AgendaItem, Body, Community, Meeting
from ...services import deliberation as service
from ...services.errors import ServiceError
from ..messages import (
    AUDIT_ACTIONS,
    BODY_KIND_LABELS,
    CHOICE_LABELS,
    DECISION_LABELS,
    MEETING_STATUS_LABELS,
    PRESENCE_LABELS,
    RECUSAL_LABELS,
)
from .helpers import (
    attempt,
    committee_required,
    community_or_404,
    current_actor,
    flash_error,
    now,
    to_utc,
)

bp = Blueprint("meetings", __name__)
COMMITTEE = "/c/<slug>/committee"


@bp.record_once
def _labels(state: BlueprintSetupState) -> None:
    # Globals, as the app's other labels: the proposal page's decision log words resolutions.
    state.app.jinja_env.globals.update(
        body_kind_labels=BODY_KIND_LABELS,
        decision_labels=DECISION_LABELS,
        presence_labels=PRESENCE_LABELS,
        recusal_labels=RECUSAL_LABELS,
        meeting_status_labels=MEETING_STATUS_LABELS,
        choice_labels=CHOICE_LABELS,
    )


def _int(name: str, default: int = 0) -> int:
    """A whole number from the form; anything else (or a huge one) is ``default``."""
    raw = (request.form.get(name) or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return default
    return int(raw)


def _text(name: str) -> str:
    return (request.form.get(name) or "").replace("\x00", "")


def _body_or_404(community: Community, body_id: int) -> Body:
    body = service.find_body(community, body_id)
    if body is None:
        abort(404)
    return body


def _meeting_or_404(community: Community, meeting_id: int) -> Meeting:
    meeting = service.find_meeting(community, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _body_input(kind: str) -> service.BodyInput:
    return service.BodyInput(
        kind=kind,
        name=_text("name"),
        quorum_num=_int("quorum_num"),
        quorum_den=_int("quorum_den"),
        majority_num=_int("majority_num"),
        majority_den=_int("majority_den"),
        majority_base=_text("majority_base"),
        vote_mode=_text("vote_mode"),
    )


# --- bodies ------------------------------------------------------------------------------------


@bp.get(f"{COMMITTEE}/bodies")
@committee_required(Action.MANAGE_MEETINGS)
def bodies(community: Community) -> ResponseReturnValue:
    return render_template(
        "meetings/bodies.html", community=community, bodies=service.list_bodies(community)
    )


@bp.post(f"{COMMITTEE}/bodies")
@committee_required(Action.MANAGE_MEETINGS)
def create_body(community: Community) -> ResponseReturnValue:
    kind = _text("kind")
    if kind not in set(BodyKind):
        kind = BodyKind.COUNCIL
    data = service.default_body_input(BodyKind(kind), _text("name"))
    attempt(
        lambda: service.create_body(current_user, community, data, now=now()),
        _("The body is added. Now add its members."),
    )
    return redirect(url_for("meetings.bodies", slug=community.slug))


@bp.post(f"{COMMITTEE}/bodies/<int:body_id>")
@committee_required(Action.MANAGE_MEETINGS)
def update_body(community: Community, body_id: int) -> ResponseReturnValue:
    body = _body_or_404(community, body_id)
    data = _body_input(body.kind)
    attempt(
        lambda: service.update_body(current_user, body, data, now=now()),
        _("The body's name and rules are saved."),
    )
    return redirect(url_for("meetings.bodies", slug=community.slug) + f"#body-{body.id}")


@bp.post(f"{COMMITTEE}/bodies/<int:body_id>/members")
@committee_required(Action.MANAGE_MEETINGS)
def add_member(community: Community, body_id: int) -> ResponseReturnValue:
    body = _body_or_404(community, body_id)
    attempt(
        lambda: service.add_member(
            current_user,
            body,
            login=_text("login"),
            name=_text("member_name"),
            role=_text("role"),
            now=now(),
        ),
        _("The member is added."),
    )
    return redirect(url_for("meetings.bodies", slug=community.slug) + f"#body-{body.id}")


@bp.post(f"{COMMITTEE}/bodies/<int:body_id>/members/<int:member_id>/remove")
@committee_required(Action.MANAGE_MEETINGS)
def remove_member(community: Community, body_id: int, member_id: int) -> ResponseReturnValue:
    body = _body_or_404(community, body_id)
    member = service.find_member(body, member_id)
    if member is None:
        abort(404)
    attempt(
        lambda: service.remove_member(current_user, member, now=now()),
        _("The member has left the body. Meetings already scheduled keep them on their list."),
    )
    return redirect(url_for("meetings.bodies", slug=community.slug) + f"#body-{body.id}")


# --- meetings ----------------------------------------------------------------------------------


def _schedule_page(
    community: Community, form: dict[str, object] | None = None, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "meetings/index.html",
            community=community,
            bodies=[b for b in service.list_bodies(community) if b.current_members],
            meetings=service.list_meetings(community),
            candidates=service.agenda_candidates(community, now()),
            form=form or {},
        ),
        status,
    )


@bp.get(f"{COMMITTEE}/meetings")
@committee_required(Action.MANAGE_MEETINGS)
def index(community: Community) -> ResponseReturnValue:
    return _schedule_page(community)


def _ids(name: str) -> list[int]:
    return [int(raw) for raw in request.form.getlist(name) if raw.isascii() and raw.isdigit()
            and len(raw) < 10]  # fmt: skip


@bp.post(f"{COMMITTEE}/meetings")
@committee_required(Action.MANAGE_MEETINGS)
def schedule(community: Community) -> ResponseReturnValue:
    # A refusal shows the form again with everything typed in it (422), and says why.
    form: dict[str, object] = {
        "body": _int("body"),
        "title": _text("title"),
        "starts_at": _text("starts_at"),
        "place": _text("place"),
        "proposals": set(_ids("proposal")),
        "other_items": _text("other_items"),
        "secretary": _int("secretary"),
    }
    body = service.find_body(community, _int("body"))
    if body is None:
        flash(_("Choose the body that meets."), "error")
        return _schedule_page(community, form, 422)
    try:
        starts = to_utc(datetime.fromisoformat(_text("starts_at").strip()))
    except ValueError:
        flash(_("Type the day and time of the meeting, for example 2026-12-03 19:30."), "error")
        return _schedule_page(community, form, 422)
    data = service.MeetingInput(
        title=_text("title"),
        starts_at=starts,
        place=_text("place"),
        proposal_ids=tuple(_ids("proposal")),
        other_items=tuple(line for line in _text("other_items").splitlines() if line.strip()),
        secretary_id=_int("secretary") or None,
    )
    try:
        meeting = service.schedule_meeting(current_user, body, data, now=now())
    except ServiceError as error:
        flash_error(error)
        return _schedule_page(community, form, 422)
    flash(_("The meeting is scheduled. Mark who is present when it begins."), "success")
    return redirect(url_for("meetings.meeting", slug=community.slug, meeting_id=meeting.id))


def _meeting_view(meeting: Meeting) -> dict[str, object]:
    return {
        "meeting": meeting,
        "quorum": service.quorum_of(meeting),
        "recused": {i.id: service.item_recusals(meeting, i) for i in meeting.items},
        "present_ids": {a.member_id for a in meeting.attendance if a.presence is Presence.PRESENT},
    }


def _meeting_page(
    community: Community,
    found: Meeting,
    agenda_form: dict[str, object] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    is_open = found.status is not MeetingStatus.CANCELLED and found.published_at is None
    qr = None
    addable = []
    if is_open:
        link = check_in_link(found)
        qr = {"link": link, "svg": segno.make(link, error="m").svg_inline(scale=4, border=2)}
        on_agenda = {i.proposal_id for i in found.items}
        addable = [p for p in service.agenda_candidates(community, now()) if p.id not in on_agenda]
    return (
        render_template(
            "meetings/meeting.html",
            community=community,
            qr=qr,
            is_open=is_open,
            named=found.body.vote_mode is VoteMode.NAMED,
            addable=addable,
            agenda_form=agenda_form or {},
            **_meeting_view(found),
        ),
        status,
    )


@bp.get(f"{COMMITTEE}/meetings/<int:meeting_id>")
@committee_required(Action.MANAGE_MEETINGS)
def meeting(community: Community, meeting_id: int) -> ResponseReturnValue:
    return _meeting_page(community, _meeting_or_404(community, meeting_id))


def _back(community: Community, meeting: Meeting, anchor: str = "") -> ResponseReturnValue:
    target = url_for("meetings.meeting", slug=community.slug, meeting_id=meeting.id)
    return redirect(target + (f"#{anchor}" if anchor else ""))


@bp.post(f"{COMMITTEE}/meetings/<int:meeting_id>/attendance")
@committee_required(Action.MANAGE_MEETINGS)
def attendance(community: Community, meeting_id: int) -> ResponseReturnValue:
    found = _meeting_or_404(community, meeting_id)
    ticked = set(request.form.getlist("present"))
    excused = set(request.form.getlist("excused"))
    marks: dict[int, str] = {}
    for row in found.attendance:
        key = str(row.member_id)
        if key in ticked:
            marks[row.member_id] = Presence.PRESENT
        elif key in excused:
            marks[row.member_id] = Presence.EXCUSED
        else:
            marks[row.member_id] = Presence.ABSENT
    attempt(
        lambda: service.record_attendance(current_user, found, marks, now=now()),
        _("Attendance is saved."),
    )
    return _back(community, found, "attendance")


def _item_or_404(meeting: Meeting, item_id: int) -> AgendaItem:
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


@bp.post(f"{COMMITTEE}/meetings/<int:meeting_id>/items/<int:item_id>/vote")
@committee_required(Action.MANAGE_MEETINGS)
def vote(community: Community, meeting_id: int, item_id: int) -> ResponseReturnValue:
    found = _meeting_or_404(community, meeting_id)
    item = _item_or_404(found, item_id)
    if found.body.vote_mode is VoteMode.NAMED:
        named: dict[int, str] = {}
        for row in found.attendance:
            value = _text(f"vote-{row.member_id}")
            if value:
                named[row.member_id] = value
        data = service.VoteInput(named=named)
    else:
        bad = [n for n in ("votes_for", "against", "abstain") if _int(n, -1) < 0]
        if bad:
            flash(_("Type each number of votes as a whole number, 0 or more."), "error")
            return _back(community, found, f"item-{item.id}")
        data = service.VoteInput(_int("votes_for"), _int("against"), _int("abstain"))
    attempt(
        lambda: service.record_vote(current_user, found, item, data, now=now()),
        _("The vote is recorded and the resolution written."),
    )
    return _back(community, found, f"item-{item.id}")


@bp.post(f"{COMMITTEE}/meetings/<int:meeting_id>/agenda")
@committee_required(Action.MANAGE_MEETINGS)
def add_items(community: Community, meeting_id: int) -> ResponseReturnValue:
    found = _meeting_or_404(community, meeting_id)
    others = tuple(line for line in _text("other_items").splitlines() if line.strip())
    try:
        service.add_agenda_items(
            current_user, found, proposal_ids=_ids("proposal"), other_items=others, now=now()
        )
    except ServiceError as error:
        flash_error(error)
        form = {"proposals": set(_ids("proposal")), "other_items": _text("other_items")}
        return _meeting_page(community, found, form, 422)
    flash(_("The agenda is changed."), "success")
    return _back(community, found, "agenda")


@bp.post(f"{COMMITTEE}/meetings/<int:meeting_id>/items/<int:item_id>/remove")
@committee_required(Action.MANAGE_MEETINGS)
def remove_item(community: Community, meeting_id: int, item_id: int) -> ResponseReturnValue:
    found = _meeting_or_404(community, meeting_id)
    item = _item_or_404(found, item_id)
    attempt(
        lambda: service.remove_agenda_item(current_user, found, item, now=now()),
        _("The item is off the agenda."),
    )
    return _back(community, found, "agenda")


@bp.post(f"{COMMITTEE}/meetings/<int:meeting_id>/secretary")
@committee_required(Action.MANAGE_MEETINGS)
def secretary(community: Community, meeting_id: int) -> ResponseReturnValue:
    found = _meeting_or_404(community, meeting_id)
    attempt(
        lambda: service.set_secretary(current_user, found, _int("secretary") or None, now=now()),
        _("The secretary is saved."),
    )
    return _back(community, found, "minutes")


@bp.post(f"{COMMITTEE}/meetings/<int:meeting_id>/minutes")
@committee_required(Action.MANAGE_MEETINGS)
def minutes(community: Community, meeting_id: int) -> ResponseReturnValue:
    found = _meeting_or_404(community, meeting_id)
    attempt(
        lambda: service.save_minutes(current_user, found, _text("minutes"), now=now()),
        _("The minutes are saved."),
    )
    return _back(community, found, "minutes")


@bp.post(f"{COMMITTEE}/meetings/<int:meeting_id>/publish")
@committee_required(Action.MANAGE_MEETINGS)
def publish(community: Community, meeting_id: int) -> ResponseReturnValue:
    found = _meeting_or_404(community, meeting_id)
    attempt(
        lambda: service.publish_meeting(current_user, found, now=now()),
        _("The resolutions and minutes are public, and each resolution is in its proposal's log."),
    )
    return _back(community, found)


@bp.post(f"{COMMITTEE}/meetings/<int:meeting_id>/cancel")
@committee_required(Action.MANAGE_MEETINGS)
def cancel(community: Community, meeting_id: int) -> ResponseReturnValue:
    found = _meeting_or_404(community, meeting_id)
    attempt(
        lambda: service.cancel_meeting(current_user, found, _text("reason"), now=now()),
        _("The meeting is cancelled."),
    )
    return _back(community, found)


@bp.get(f"{COMMITTEE}/meetings/<int:meeting_id>/print")
@committee_required(Action.MANAGE_MEETINGS)
def printed_minutes(community: Community, meeting_id: int) -> ResponseReturnValue:
    found = _meeting_or_404(community, meeting_id)
    return render_template(
        "meetings/printed.html",
        community=community,
        preview=found.published_at is None,
        back=url_for("meetings.meeting", slug=community.slug, meeting_id=found.id),
        **_meeting_view(found),
    )


# --- checking in with the code shown in the room ------------------------------------------------

CHECK_IN_HOURS = 6
TOKEN = re.compile(r"[A-Za-z0-9._-]{1,200}")


def _check_in_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="meeting-check-in")


def check_in_link(meeting: Meeting) -> str:
    token = _check_in_signer().dumps(meeting.id)
    return url_for(
        "meetings.check_in",
        slug=meeting.community.slug,
        meeting_id=meeting.id,
        token=token,
        _external=True,
    )


def _token_fits(meeting: Meeting, token: str) -> bool:
    try:
        signed = _check_in_signer().loads(token, max_age=CHECK_IN_HOURS * 3600)
    except BadSignature:  # also an expired one
        return False
    return bool(signed == meeting.id)


@bp.route("/c/<slug>/meetings/<int:meeting_id>/check-in/<token>", methods=["GET", "POST"])
@login_required
def check_in(slug: str, meeting_id: int, token: str) -> ResponseReturnValue:
    """A member scans the code in the room, logs in if need be, and taps "I am here"."""
    if not TOKEN.fullmatch(token):  # not a code this site made: no such page
        abort(404)
    community = community_or_404(slug)
    found = _meeting_or_404(community, meeting_id)
    if not _token_fits(found, token):
        flash(
            _(
                "This check-in code has expired or is not this meeting's. Scan the code "
                "shown in the room again, or tell the secretary you are here."
            ),
            "error",
        )
        return redirect(url_for("meetings.public", slug=slug, meeting_id=found.id))
    if request.method == "POST":
        try:
            new = service.check_in(current_user, found, now=now())
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                _("You are marked present.") if new else _("You were already marked present."),
                "success",
            )
        return redirect(url_for("meetings.public", slug=slug, meeting_id=found.id))
    return render_template("meetings/check_in.html", community=community, meeting=found)


# --- public ------------------------------------------------------------------------------------


@bp.get("/c/<slug>/meetings/<int:meeting_id>")
def public(slug: str, meeting_id: int) -> ResponseReturnValue:
    community = community_or_404(slug)
    found = _meeting_or_404(community, meeting_id)
    return render_template(
        "meetings/public.html",
        community=community,
        is_committee=can(current_actor(), Action.MANAGE_MEETINGS, community.id),
        audit_actions=AUDIT_ACTIONS,
        **_meeting_view(found),
    )
