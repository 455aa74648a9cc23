"""The access matrix: every route of the app, every kind of visitor, checked on the server.

A route added without an entry here fails ``test_every_route_has_an_access_decision``.

Each route has an access class: the set of roles allowed to use it. For every role the expected
answer follows from it, and nothing else:

* an allowed role passes: no 401/403/404, no 5xx, no redirect to the login page; where the route
  acts (``effect``) the action is done, and where it offers a form (``offers``) the form is there;
* anonymous visitors, when not allowed, are sent to the login page;
* any other refused role gets the 403 page (``FORBIDDEN``), or, where the use case refuses with
  a reason of its own (``DECLINED``: "only verified residents of this community rate it", "that
  cannot be done to this proposal now"), is sent back with that message as an error, and the
  action is not done: a declined route always has an ``effect`` or ``offers`` that shows it.

Every role is tried on a target in community A: the own committee is A's, the other community's
committee and resident are B's, the organization is one of A's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import factories as f
import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select
from webclient import csrf_token, login

from microprojects.domain.ballots import Choice
from microprojects.domain.cycles import Stance
from microprojects.domain.people import Basis
from microprojects.extensions import db
from microprojects.models import (
    AgendaItem,
    Body,
    BodyMember,
    Comment,
    CommentReport,
    CommitteeMembership,
    Community,
    CoProposer,
    Cycle,
    DeliveryContract,
    Follow,
    GridAssignment,
    Meeting,
    Objection,
    Organization,
    OutgoingMessage,
    PackageItem,
    Participation,
    ProblemReport,
    ProcurementPackage,
    ProgressUpdate,
    Proposal,
    ProposalPhoto,
    Rating,
    Remedy,
    Resolution,
    RosterEntry,
    ServiceOffer,
    ShortlistObjection,
    Support,
    User,
    Wish,
    utcnow,
)
from microprojects.services import (
    comments,
    grid_work,
    implementation,
    proposals,
    publication,
    remedies,
    residency,
    stations,
    voting,
    wishes,
)

ROLES = [
    "anonymous",
    "unverified",  # registered, residency not verified
    "resident_a",  # a verified resident of A, the targets' community (and their author)
    "resident_b",  # a verified resident of the other community B
    "organization",  # a member of an organization of A
    "committee_b",  # the other community's committee
    "committee_a",  # the own committee
    "admin",
    "grid_worker_a",  # a grid worker of A's first grid, with no other role
]

# Access classes: who may use a route.
PUBLIC = "public"
LOGIN = "login"  # any logged-in account: its own account, notices, follows, own supports
RESIDENT = "resident"  # a verified resident of the target's community (eligible in its cycle)
RESIDENT_OR_ORG = "resident_or_org"  # … or an organization of that community: proposing
RESIDENT_OR_COMMITTEE = "resident_or_committee"  # the deliberation: comments, reports
AUTHOR = "author"  # the proposal's author
AUTHOR_OR_COMMITTEE = "author_or_committee"
COMMITTEE = "committee"  # the target community's committee, and the administrator
ADMIN = "admin"
GRID_WORKER = "grid_worker"  # a grid worker of the target's grid
ORG = "org"  # a member of the organization whose offer it is (the service menu)
RESIDENT_OR_OWN_COMMITTEE = "resident_or_own_committee"  # proposing from the service menu
SUPPLIER = "supplier"  # a member of the organization a delivery contract names

ALLOWED: dict[str, set[str]] = {
    PUBLIC: set(ROLES),
    LOGIN: set(ROLES) - {"anonymous"},
    RESIDENT: {"resident_a"},
    RESIDENT_OR_ORG: {"resident_a", "organization"},
    RESIDENT_OR_COMMITTEE: {"resident_a", "committee_a", "admin"},
    AUTHOR: {"resident_a"},
    AUTHOR_OR_COMMITTEE: {"resident_a", "committee_a", "admin"},
    COMMITTEE: {"committee_a", "admin"},
    ADMIN: {"admin"},
    GRID_WORKER: {"grid_worker_a"},
    ORG: {"organization"},
    RESIDENT_OR_OWN_COMMITTEE: {"resident_a", "committee_a"},
    SUPPLIER: {"organization"},
}

# How a refused (logged-in) role is answered.
FORBIDDEN = "403"
DECLINED = "declined"  # sent back with the use case's reason; nothing done

Targets = dict[str, Any]
Form = Callable[[Flask, FlaskClient, Targets], dict[str, Any]]
Effect = Callable[[Targets], object]


@dataclass(frozen=True)
class Route:
    method: str
    access: str
    refusal: str = FORBIDDEN
    form: Form | None = None  # what a browser sends (besides the CSRF token)
    effect: Effect | None = None  # read before and after: changes exactly when the route acted
    offers: str | None = None  # on the page exactly when the visitor may act (a form's action)


def count(model: Any) -> Effect:
    return lambda t: db.session.scalar(select(func.count()).select_from(model))


def state_of(key: str) -> Effect:
    return lambda t: db.session.get(Proposal, t[key]).state


def tries_of(key: str) -> Effect:
    return lambda t: db.session.get(OutgoingMessage, t[key]).attempts


def _form(**values: Any) -> Form:
    return lambda app, client, t: dict(values)


def _photo(app: Flask, client: FlaskClient, t: Targets) -> dict[str, Any]:
    return {"photo": (io.BytesIO(f.jpeg()), "bench.jpg")}


def _proposal_form(app: Flask, client: FlaskClient, t: Targets) -> dict[str, Any]:
    return {
        "title": "小区门口加装减速带",
        "description": "车开得太快。",
        "category": "安全",
        "project_type": "goods",
        "estimated_cost": "2000",
    }


def _door_form(app: Flask, client: FlaskClient, t: Targets) -> dict[str, Any]:
    return {**_proposal_form(app, client, t), "on_behalf_of": "李桂兰", "consent": "y"}


def _offer_form(app: Flask, client: FlaskClient, t: Targets) -> dict[str, Any]:
    return {
        "title": "儿童托管服务", "description": "放学后看护与作业辅导。", "price": "80",
        "unit": "课时", "project_type": "service", "category": "儿童青少年", "capacity": "2",
        "library": "city",
    }  # fmt: skip


def _offer_status(key: str) -> Effect:
    return lambda t: db.session.get(ServiceOffer, t[key]).status


def _give_grid(app: Flask, client: FlaskClient, t: Targets) -> dict[str, Any]:
    return {"login": "neighbour", "grid": str(t["grid_id"])}


def _allow_grid_workers(app: Flask, client: FlaskClient, t: Targets) -> dict[str, Any]:
    return {"allowed": "1"}


def _schedule(app: Flask, client: FlaskClient, t: Targets) -> dict[str, Any]:
    return {
        "body": str(t["body_id"]), "title": "临时议事会", "starts_at": "2026-12-20T19:30",
        "other_items": "路灯维修",
    }  # fmt: skip


def _present(app: Flask, client: FlaskClient, t: Targets) -> dict[str, Any]:
    return {"present": str(t["member_id"])}


def _contract_form(t: Targets, amount: str = "8000") -> dict[str, Any]:
    today = utcnow().date()
    return {
        "organization": str(t["org_id"]), "company_name": "", "number": "", "amount": amount,
        "signed_on": today.isoformat(), "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(), "deliverables": "更换路灯",
    }  # fmt: skip


def review_of(key: str) -> Effect:
    return lambda t: db.session.get(ProgressUpdate, t[key]).review_status


def present_count(t: Targets) -> object:
    return db.session.get(Meeting, t["meeting_id"]).present


def grid_workers_allowed(t: Targets) -> object:
    return db.session.get(Cycle, t["voting_id"]).grid_workers_enter_paper


def assignment_ended(t: Targets) -> object:
    return db.session.get(GridAssignment, t["assignment_id"]).ended_at


TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


def _reviewed_ballot(app: Flask, client: FlaskClient, t: Targets) -> dict[str, Any]:
    """Cast as the pages do: review the choice first, then send the review's token. The review
    of someone who may not vote gives the reason and no token; their cast is refused again."""
    review = client.post(
        _url(app, "voting.review", t),
        data={"csrf_token": csrf_token(client), "p": str(t["ballot_project_id"])},
    )
    token = TOKEN_RE.search(review.get_data(as_text=True))
    return {"token": token.group(1) if token else ""}


CONFIRM_RE = re.compile(r'name="confirm_token" value="([^"]+)"')


def _confirmed(endpoint: str) -> Form:
    """Act as the pages do for an action that asks first: send the form, then the
    confirmation page's token. Someone who may not act is sent back without a token, and their
    token-less second request is refused again."""

    def form(app: Flask, client: FlaskClient, t: Targets) -> dict[str, Any]:
        asked = client.post(_url(app, endpoint, t), data={"csrf_token": csrf_token(client)})
        token = CONFIRM_RE.search(asked.get_data(as_text=True))
        return {"confirm_token": token.group(1) if token else ""}

    return form


# endpoint -> its access decision
ROUTES: dict[str, Route] = {
    "public.index": Route("GET", PUBLIC),
    "public.communities": Route("GET", PUBLIC),
    "overview.index": Route("GET", PUBLIC),
    "overview.download": Route("GET", PUBLIC),
    "overview.open_data": Route("GET", PUBLIC),
    "public.community": Route("GET", PUBLIC),
    "public.health": Route("GET", PUBLIC),
    "public.set_language": Route("POST", PUBLIC),
    "public.set_elder_mode": Route("POST", PUBLIC),
    "static": Route("GET", PUBLIC),
    "auth.login": Route("GET", PUBLIC),
    "auth.register": Route("GET", PUBLIC),
    "auth.logout": Route("POST", LOGIN),
    "account.claim": Route("GET", PUBLIC),
    "account.index": Route("GET", LOGIN),
    "account.elder_mode": Route("POST", LOGIN),
    "account.password": Route("GET", LOGIN),
    "account.delete": Route("GET", LOGIN),
    "account.verify": Route("GET", LOGIN),
    "committee.dashboard": Route("GET", COMMITTEE),
    "committee.roster": Route("GET", COMMITTEE),
    "committee.roster_import": Route("POST", COMMITTEE),
    "committee.roster_template": Route("GET", COMMITTEE),
    "committee.codes": Route("GET", COMMITTEE),
    "committee.issue_codes": Route("POST", COMMITTEE),
    "committee.reissue_code": Route("POST", COMMITTEE),
    "committee.code_sheet": Route("GET", COMMITTEE),
    "committee.verifications": Route("GET", COMMITTEE),
    "committee.verification": Route("GET", COMMITTEE),
    "committee.approve": Route("POST", COMMITTEE),
    "committee.reject": Route("POST", COMMITTEE),
    "committee.audit": Route("GET", COMMITTEE),
    "admin.index": Route("GET", ADMIN),
    "admin.users": Route("GET", ADMIN),
    "admin.user": Route("GET", ADMIN),
    "admin.add_committee": Route("POST", ADMIN),
    "admin.remove_committee": Route("POST", ADMIN),
    "admin.set_admin": Route("POST", ADMIN),
    "admin.reset_password": Route("POST", ADMIN),
    "admin.organizations": Route("GET", ADMIN),
    "admin.add_organization_member": Route("POST", ADMIN),
    "admin.audit": Route("GET", ADMIN),
    "admin.places_page": Route("GET", ADMIN),
    "account.notifications": Route("GET", LOGIN),
    "account.notifications_read": Route("POST", LOGIN),
    "proposals.cycles": Route("GET", PUBLIC),
    "proposals.cycle": Route("GET", PUBLIC),
    "proposals.detail": Route("GET", PUBLIC),
    "proposals.media": Route("GET", PUBLIC),
    "proposals.propose": Route(
        "POST", RESIDENT_OR_ORG, DECLINED, form=_proposal_form, effect=count(Proposal)
    ),
    "proposals.edit": Route("GET", AUTHOR),
    "proposals.submit": Route("POST", AUTHOR, DECLINED, effect=state_of("resubmit_id")),
    "proposals.support": Route("POST", RESIDENT, DECLINED, effect=count(Support)),
    "proposals.unsupport": Route("POST", LOGIN),  # one's own support only
    "proposals.add_photo": Route(
        "POST", AUTHOR_OR_COMMITTEE, form=_photo, effect=count(ProposalPhoto)
    ),
    "proposals.add_co_proposer": Route(
        "POST", AUTHOR, DECLINED, form=_form(username="neighbour"), effect=count(CoProposer)
    ),
    "proposals.comment": Route(
        "POST",
        RESIDENT_OR_COMMITTEE,
        DECLINED,
        form=_form(body="同意，早点做。", stance=Stance.SUPPORT.value),
        effect=count(Comment),
    ),
    "proposals.report": Route(
        "POST",
        RESIDENT_OR_COMMITTEE,
        DECLINED,
        form=_form(reason="人身攻击"),
        effect=count(CommentReport),
    ),
    "proposals.return_": Route("POST", COMMITTEE),
    "proposals.revise": Route("POST", COMMITTEE),
    "proposals.assess": Route("POST", COMMITTEE),
    "proposals.merge": Route("POST", COMMITTEE),
    "proposals.hide_comment": Route("POST", COMMITTEE),
    "proposals.restore_comment": Route("POST", COMMITTEE),
    "proposals.approve": Route("POST", COMMITTEE),
    "proposals.reject": Route("POST", COMMITTEE),
    "proposals.remove_photo": Route("POST", AUTHOR_OR_COMMITTEE, effect=count(ProposalPhoto)),
    "proposals.withdraw": Route(
        "POST",
        AUTHOR,
        DECLINED,
        form=_confirmed("proposals.withdraw"),
        effect=state_of("withdrawable_id"),
    ),
    "committee.cycles": Route("GET", COMMITTEE),
    "committee.cycle": Route("GET", COMMITTEE),
    "committee.screening_mode": Route("POST", COMMITTEE),
    "committee.screening": Route("GET", COMMITTEE),
    "committee.enter": Route("GET", COMMITTEE),
    "committee.moderation": Route("GET", COMMITTEE),
    "committee.decide_comment": Route("POST", COMMITTEE),
    "voting.ballot": Route(
        "GET", RESIDENT, DECLINED, offers='action="/cycles/{voting_id}/vote/review"'
    ),
    # Shows the chosen projects back (and why one may not vote), acts on nothing.
    "voting.review": Route("POST", LOGIN),
    "voting.cast": Route(
        "POST", RESIDENT, DECLINED, form=_reviewed_ballot, effect=count(Participation)
    ),
    "voting.receipt": Route("GET", LOGIN),
    "voting.check": Route("GET", PUBLIC),
    "voting.published_ballots": Route("GET", PUBLIC),
    "voting.public_turnout": Route("GET", PUBLIC),
    "voting.settings": Route("GET", COMMITTEE),
    "voting.paper": Route("GET", COMMITTEE),
    "voting.paper_enter": Route("POST", COMMITTEE),
    "voting.paper_key": Route("GET", COMMITTEE),
    "voting.paper_keyer": Route("POST", COMMITTEE),
    "voting.paper_discard": Route("POST", COMMITTEE),
    "voting.committee_turnout": Route("GET", COMMITTEE),
    "stations.index": Route("GET", COMMITTEE),
    "stations.open_station": Route("POST", COMMITTEE),
    "stations.station": Route("GET", COMMITTEE),
    "stations.person": Route("GET", COMMITTEE),
    "stations.close": Route("POST", COMMITTEE),
    "stations.grid_workers": Route(
        "POST", COMMITTEE, form=_allow_grid_workers, effect=grid_workers_allowed
    ),
    "roster_upkeep.person": Route("GET", COMMITTEE),
    "roster_upkeep.standing": Route("POST", COMMITTEE),
    "roster_upkeep.move": Route("POST", COMMITTEE),
    "results.cycle_results": Route("GET", PUBLIC),
    "results.counted_ballots": Route("GET", PUBLIC),
    "results.results_table": Route("GET", PUBLIC),
    "api.cycles": Route("GET", PUBLIC),
    "api.cycles_csv": Route("GET", PUBLIC),
    "api.cycle": Route("GET", PUBLIC),
    "api.cycle_results": Route("GET", PUBLIC),
    "api.cycle_results_csv": Route("GET", PUBLIC),
    "api.projects": Route("GET", PUBLIC),
    "api.projects_csv": Route("GET", PUBLIC),
    "api.project": Route("GET", PUBLIC),
    "api.openapi": Route("GET", PUBLIC),
    "api.index": Route("GET", PUBLIC),
    "results.count": Route("GET", COMMITTEE),
    "results.object_to": Route(
        "POST",
        RESIDENT,
        DECLINED,
        form=_form(reason="报价偏高", project=""),
        effect=count(Objection),
    ),
    "results.answer": Route("POST", COMMITTEE),
    "results.add_remedy": Route(
        "POST",
        COMMITTEE,
        form=lambda app, client, t: {
            f"remedy-{t['upheld_id']}-{name}": value
            for name, value in (
                ("project", str(t["remedied_project_id"])),
                ("kind", "cost"),
                ("cost", "5,000"),
                ("reason", "报价有误"),
            )
        },
        effect=count(Remedy),
    ),
    "results.cancel_remedy": Route("POST", COMMITTEE, effect=count(Remedy)),
    "shortlist.page": Route("GET", PUBLIC),
    "shortlist.object_to": Route(
        "POST",
        RESIDENT,
        DECLINED,
        form=_form(reason="这个提议被拒的理由不成立", project=""),
        effect=count(ShortlistObjection),
    ),
    "shortlist.publish": Route("POST", COMMITTEE),
    "shortlist.answer": Route("POST", COMMITTEE),
    "shortlist.set_days": Route("POST", COMMITTEE),
    "wishes.wall": Route("GET", PUBLIC),
    "wishes.send": Route(
        "POST", RESIDENT, DECLINED, form=_form(text="楼道装扶手", place="3栋"), effect=count(Wish)
    ),
    "wishes.mine": Route("GET", LOGIN),
    "wishes.detail": Route("GET", PUBLIC),
    "wishes.photo": Route("GET", AUTHOR_OR_COMMITTEE),
    "wishes.committee": Route("GET", COMMITTEE),
    "wishes.answer": Route(
        "POST",
        COMMITTEE,
        form=lambda app, client, t: {
            f"answer{t['wish_id']}-status": "declined",
            f"answer{t['wish_id']}-answer": "不在微实事范围内",
        },
        effect=lambda t: db.session.get(Wish, t["wish_id"]).status,
    ),
    "wishes.propose": Route(
        "POST",
        COMMITTEE,
        form=lambda app, client, t: {
            f"propose{t['taken_wish_id']}-{name}": value
            for name, value in (
                ("cycle", str(t["cycle_id"])),
                ("title", "楼道装扶手"),
                ("category", "设施维修"),
                ("project_type", "goods"),
                ("estimated_cost", "2000"),
                ("on_behalf_of", "一位居民"),
            )
        },
        effect=count(Proposal),
    ),
    "offers.menu": Route("GET", PUBLIC),
    "offers.detail": Route("GET", PUBLIC),
    "offers.photo": Route("GET", PUBLIC),
    "offers.photo_variant": Route("GET", PUBLIC),
    "offers.mine": Route("GET", ORG),
    "offers.new": Route("POST", ORG, form=_offer_form, effect=count(ServiceOffer)),
    "offers.edit": Route(
        "POST",
        ORG,
        form=_offer_form,
        effect=lambda t: db.session.get(ServiceOffer, t["draft_offer_id"]).title,
    ),
    "offers.submit": Route("POST", ORG, effect=_offer_status("draft_offer_id")),
    "offers.withdraw": Route("POST", ORG, effect=_offer_status("withdrawable_offer_id")),
    "offers.review": Route("GET", ADMIN),
    "offers.decide": Route(
        "POST",
        ADMIN,
        form=lambda app, client, t: {
            f"decide{t['pending_offer_id']}-decision": "refuse",
            f"decide{t['pending_offer_id']}-reason": "请写明服务时长",
        },
        effect=_offer_status("pending_offer_id"),
    ),
    # A street offer of A's street: B's residents and committee are out of its scope.
    "offers.propose": Route(
        "POST",
        RESIDENT_OR_OWN_COMMITTEE,
        DECLINED,
        form=lambda app, client, t: {
            "place": f"{t['cycle_id']}-{t['community_id']}",
            "title": "长者上门理发",
            "description": "每月一次",
            "category": "养老助老",
            "quantity": "2",
            "on_behalf_of": "3栋居民",
        },
        effect=count(Proposal),
    ),
    "implementation.follow": Route("POST", LOGIN, effect=count(Follow)),
    "implementation.unfollow": Route("POST", LOGIN, effect=count(Follow)),  # follow came first
    "implementation.rate": Route(
        "POST", RESIDENT, DECLINED, form=_form(stars="4", comment=""), effect=count(Rating)
    ),
    "implementation.report": Route(
        "POST", RESIDENT, DECLINED, form=_form(body="路灯又不亮了"), effect=count(ProblemReport)
    ),
    "implementation.projects": Route("GET", COMMITTEE),
    "implementation.manage": Route("GET", COMMITTEE),
    "implementation.start": Route("POST", COMMITTEE),
    "implementation.details": Route("POST", COMMITTEE),
    "implementation.spend": Route("POST", COMMITTEE),
    "implementation.unspend": Route("POST", COMMITTEE),
    "implementation.milestone": Route("POST", COMMITTEE),
    "implementation.milestone_done": Route("POST", COMMITTEE),
    "implementation.post_update": Route("POST", COMMITTEE),
    "implementation.answer_problem": Route("POST", COMMITTEE),
    "acceptance.record": Route("POST", COMMITTEE),
    "acceptance.survey": Route("POST", COMMITTEE),
    "acceptance.document": Route("GET", PUBLIC),
    # Delivery contracts: another community's committee, a resident, another organization change
    # nothing of a contract or of its supplier's updates.
    "contracts.record": Route(
        "POST", COMMITTEE, form=lambda app, c, t: _contract_form(t), effect=count(DeliveryContract)
    ),
    "contracts.amend": Route(
        "POST",
        COMMITTEE,
        form=lambda app, c, t: _contract_form(t, amount="7000"),
        effect=lambda t: db.session.get(DeliveryContract, t["contract_id"]).amount_fen,
    ),
    "contracts.mine": Route("GET", SUPPLIER),
    "contracts.post_update": Route(
        "POST",
        SUPPLIER,
        form=_form(body="路灯已安装一半", progress_pct="50"),
        effect=count(ProgressUpdate),
    ),
    "contracts.approve_update": Route("POST", COMMITTEE, effect=review_of("approve_update_id")),
    "contracts.return_update": Route(
        "POST", COMMITTEE, form=_form(reason="请附现场照片"), effect=review_of("return_update_id")
    ),
    # Paper artefacts: public once settled, counted, completed or closed (the targets are);
    # the archive of a cycle still collecting is the committee's.
    "printed.ballot": Route("GET", PUBLIC),
    "printed.shortlist": Route("GET", PUBLIC),
    "printed.results_notice": Route("GET", PUBLIC),
    "printed.completion": Route("GET", PUBLIC),
    "printed.archive": Route("GET", COMMITTEE),
    "printed.committee": Route("GET", COMMITTEE),
    "grid.index": Route("GET", GRID_WORKER),
    "grid.work": Route("GET", GRID_WORKER),
    "grid.code_sheet": Route("GET", GRID_WORKER),
    "grid.propose": Route("POST", GRID_WORKER, form=_door_form, effect=count(Proposal)),
    "grid.workers": Route("GET", COMMITTEE),
    "grid.give": Route("POST", COMMITTEE, form=_give_grid, effect=count(GridAssignment)),
    "grid.end": Route("POST", COMMITTEE, effect=assignment_ended),
    "notices.settings": Route("GET", LOGIN),
    "notices.save_channels": Route("POST", LOGIN),
    "notices.send_code": Route("POST", LOGIN),
    "notices.confirm_code": Route("POST", LOGIN),
    "notices.announce": Route("GET", COMMITTEE),
    "notices.committee_outbox": Route("GET", COMMITTEE),
    "notices.committee_retry": Route("POST", COMMITTEE, effect=tries_of("message_id")),
    "notices.admin_outbox": Route("GET", ADMIN),
    "notices.admin_retry": Route("POST", ADMIN, effect=tries_of("admin_message_id")),
    # Deliberative bodies and their meetings.
    "meetings.bodies": Route("GET", COMMITTEE),
    "meetings.create_body": Route(
        "POST",
        COMMITTEE,
        form=_form(kind="representatives", name="居民代表会议"),
        effect=count(Body),
    ),
    "meetings.update_body": Route(
        "POST",
        COMMITTEE,
        form=_form(
            name="议事会",
            quorum_num="1",
            quorum_den="2",
            majority_num="1",
            majority_den="2",
            majority_base="present",
            vote_mode="open",
        ),
        effect=lambda t: db.session.get(Body, t["body_id"]).name,
    ),
    "meetings.add_member": Route(
        "POST", COMMITTEE, form=_form(member_name="吴代表"), effect=count(BodyMember)
    ),
    "meetings.remove_member": Route(
        "POST", COMMITTEE, effect=lambda t: db.session.get(BodyMember, t["member_id"]).left_at
    ),
    "meetings.index": Route("GET", COMMITTEE),
    "meetings.schedule": Route("POST", COMMITTEE, form=_schedule, effect=count(Meeting)),
    "meetings.meeting": Route("GET", COMMITTEE),
    "meetings.attendance": Route("POST", COMMITTEE, form=_present, effect=present_count),
    "meetings.vote": Route(
        "POST",
        COMMITTEE,
        form=_form(votes_for="1", against="0", abstain="0"),
        effect=count(Resolution),
    ),
    "meetings.minutes": Route(
        "POST",
        COMMITTEE,
        form=_form(minutes="会议纪要"),
        effect=lambda t: db.session.get(Meeting, t["meeting_id"]).minutes,
    ),
    "meetings.add_items": Route(
        "POST", COMMITTEE, form=_form(other_items="新增议题"), effect=count(AgendaItem)
    ),
    "meetings.remove_item": Route("POST", COMMITTEE, effect=count(AgendaItem)),
    "meetings.secretary": Route(
        "POST",
        COMMITTEE,
        form=lambda app, client, t: {"secretary": str(t["member_id"])},
        effect=lambda t: db.session.get(Meeting, t["meeting_id"]).secretary_id,
    ),
    "meetings.publish": Route("POST", COMMITTEE),
    "meetings.cancel": Route("POST", COMMITTEE),
    "meetings.printed_minutes": Route("GET", COMMITTEE),
    "meetings.public": Route("GET", PUBLIC),
    # A member checks in with the code shown in the room: resident_a is a member, nobody else.
    "meetings.check_in": Route("POST", RESIDENT, DECLINED, effect=present_count),
    # Procurement packages (采购包): an add, then its removal, on a package of their own.
    "packages.public": Route("GET", PUBLIC),
    "packages.manage": Route("GET", COMMITTEE),
    "packages.create": Route(
        "POST",
        COMMITTEE,
        form=_form(name="绿化服务包", kind="services", method="", note=""),
        effect=count(ProcurementPackage),
    ),
    "packages.add_project": Route(
        "POST",
        COMMITTEE,
        form=lambda app, client, t: {
            f"pkg{t['open_package_id']}-project": str(t["spare_record_id"])
        },
        effect=count(PackageItem),
    ),
    "packages.remove_project": Route("POST", COMMITTEE, effect=count(PackageItem)),
    "packages.supplier": Route(
        "POST",
        COMMITTEE,
        form=lambda app, client, t: {
            f"pkg{t['package_id']}-organization": "",
            f"pkg{t['package_id']}-company": "海口某建设工程有限公司",
            f"pkg{t['package_id']}-amount": "9,000",
        },
        effect=lambda t: db.session.get(ProcurementPackage, t["package_id"]).supplier_name,
    ),
    "packages.update": Route(
        "POST",
        COMMITTEE,
        form=lambda app, client, t: {
            f"pkg{t['package_id']}-name": "路灯工程包（一标段）",
            f"pkg{t['package_id']}-kind": "engineering",
            f"pkg{t['package_id']}-method": "inquiry",
            f"pkg{t['package_id']}-note": "",
        },
        effect=lambda t: db.session.get(ProcurementPackage, t["package_id"]).name,
    ),
    "packages.delete": Route("POST", COMMITTEE, effect=count(ProcurementPackage)),
}


def test_every_route_has_an_access_decision(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) == set(), "routes without an access decision"
    assert set(ROUTES) - endpoints == set(), "decisions for routes that no longer exist"


def test_every_decision_can_fail():
    """Every class decides every role; a quiet refusal is checked by what it leaves undone."""
    for name, allowed in ALLOWED.items():
        assert allowed <= set(ROLES), name
    for endpoint, route in ROUTES.items():
        assert route.access in ALLOWED, endpoint
        assert route.refusal in (FORBIDDEN, DECLINED), endpoint
        if route.refusal == DECLINED:
            assert route.effect or route.offers, f"{endpoint}: a declined action must show"
        if route.access == PUBLIC:
            assert route.effect is None and route.offers is None, endpoint


def expected(role: str, route: Route) -> str:
    if role in ALLOWED[route.access]:
        return "allowed"
    return "login" if role == "anonymous" else route.refusal


# Routes about a funded project: its implementation record, following it, rating it.
ON_RECORD = ("details", "spend", "milestone", "post_update", "follow", "unfollow", "rate", "report")


@pytest.fixture
def targets(app, world):
    """URL values for every route, all in community A."""
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        admin = db.session.get(User, world.ids["admin"])
        resident_a = db.session.get(User, world.ids["resident_a"])
        committee_a = db.session.get(User, world.ids["committee_a"])
        applicant = f.user("applicant")
        pending = residency.request_verification(
            applicant, a, basis=Basis.LIVE, full_name="林海燕", phone=None, birth_date=None,
            address="", note="", now=f.NOW,
        )  # fmt: skip
        entry = db.session.scalar(select(RosterEntry).filter_by(community_id=world.a_id))
        membership = db.session.scalar(
            select(CommitteeMembership).filter_by(user_id=world.ids["committee_a"])
        )
        org = db.session.scalar(select(Organization))
        # resident_a's proposal, returned for revision (its author may edit it), with a photo and
        # a comment of its author's; another resident's comment on it, which others may report.
        proposal, comment, photo = f.proposal_with_comment(world)
        collecting = proposal.cycle
        neighbour = f.verified_resident("neighbour", a, admin, "李桂兰", "3栋1单元301")
        their_comment = comments.post_comment(
            neighbour, proposal, body="位置再想想", stance=Stance.NEUTRAL, now=utcnow()
        )
        # The neighbour's submitted proposal, which resident_a may support.
        theirs = proposals.create_proposal(
            neighbour, collecting, f.proposal_input(title="幸福巷安装路灯"), submit=True,
            now=utcnow(),
        )  # fmt: skip
        # resident_a's proposals to submit again and to withdraw.
        resubmit = proposals.create_proposal(
            resident_a, collecting, f.proposal_input(title="楼道装扶手"), submit=True, now=utcnow()
        )
        proposals.return_for_revision(committee_a, resubmit, message="请补充", now=utcnow())
        withdrawable = proposals.create_proposal(
            resident_a, collecting, f.proposal_input(title="健身器材维修"), submit=True,
            now=utcnow(),
        )  # fmt: skip
        voting_cycle, on_ballot = f.voting_cycle(a, admin)
        voter = f.verified_resident("paper_voter", a, admin, "陈阿婆", "8栋1单元101")
        paper = voting.enter_paper_ballot(
            admin, voting_cycle, voter.residency, [Choice(str(on_ballot[0].id))], now=utcnow()
        )
        station = stations.open_station(
            admin, voting_cycle, a.id, name="振兴小学", place="", now=utcnow()
        )
        counted, counted_made, _ = f.counted_cycle(a, admin)
        objection = publication.file_objection(
            resident_a, counted, reason="报价偏高", proposal_id=None, now=utcnow()
        )
        # An upheld objection with a remedy waiting, and a project without one.
        upheld = publication.file_objection(
            resident_a, counted, reason="重复立项", proposal_id=None, now=utcnow()
        )
        publication.answer_objection(admin, upheld, decision="upheld", answer="是", now=utcnow())
        remedy = remedies.add_remedy(
            admin, counted, upheld, proposal_id=counted_made[0].id, kind="withdraw",
            cost_fen=None, reason="重复立项", now=utcnow(),
        )  # fmt: skip
        built, record = f.implemented_project(a, admin)
        # An inspection (验收) with fixes to come: the project stays open; its PDF to download.
        from microprojects.services import acceptance

        inspected = acceptance.record_acceptance(
            admin, record, round=1, inspected_on=utcnow().date(),
            inspectors=[acceptance.Inspector("李主任", "committee")], findings="基本完好",
            result="accepted_with_fixes", fixes="补装一盏灯",
            fixes_due=utcnow().date() + timedelta(days=7),
            documents=[acceptance.Document("验收单.pdf", f.pdf())], now=utcnow(),
        )  # fmt: skip
        # A project with its delivery contract with A's organization, two updates of the
        # organization waiting; and a funded project without a contract yet.
        from microprojects.services import contracts

        _, _, contract = f.contracted_project(a, admin, organization=org)
        org_user = db.session.get(User, world.ids["organization"])
        approve_me, return_me = (
            contracts.post_supplier_update(
                org_user, contract, body=text, progress_pct=30, now=utcnow()
            )
            for text in ("进场施工", "安装一半")
        )
        _, uncontracted, _ = f.final_cycle(a, admin)
        implementation.start(admin, uncontracted[0], now=utcnow())
        from microprojects.services import shortlist

        listed, _, _ = f.shortlist_cycle(a, admin)
        shortlist.publish_shortlist(admin, listed, now=utcnow())
        listed_objection = shortlist.file_objection(
            resident_a, listed, reason="名单不公平", proposal_id=None, now=utcnow()
        )
        unlisted, _, _ = f.shortlist_cycle(a, admin)
        problem = implementation.report_problem(
            resident_a, built, body="灯不亮", photo=None, now=utcnow()
        )
        # resident_a's wish with a photo, open; another already taken into the next cycle.
        wish = wishes.send_wish(resident_a, a, text="路灯坏了", photo=f.jpeg(), now=utcnow())
        taken = wishes.send_wish(resident_a, a, text="楼道装扶手", now=utcnow())
        wishes.answer_wish(admin, taken, status="taken", answer="", now=utcnow())
        # A grid worker of A's first grid; another account's assignment, for the committee to end.
        f.user("grid_worker_a")
        grid_work.give_assignment(admin, a.grids[0], "grid_worker_a", now=utcnow())
        f.user("spare_worker")
        spare = grid_work.give_assignment(admin, a.grids[1], "spare_worker", now=utcnow())
        failed = OutgoingMessage(
            user_id=resident_a.id, community_id=a.id, channel="sms", address="13800138000",
            kind="reply", params={}, status="failed", attempts=1, last_error="HTTP 500",
            next_attempt_at=utcnow() + timedelta(hours=1), created_at=utcnow(),
        )  # fmt: skip
        # The administrator retries one from the committee's page and the other from theirs.
        failed_too = OutgoingMessage(
            user_id=resident_a.id, community_id=a.id, channel="sms", address="13800138000",
            kind="reply", params={}, status="failed", attempts=1, last_error="HTTP 500",
            next_attempt_at=utcnow() + timedelta(hours=1), created_at=utcnow(),
        )  # fmt: skip
        db.session.add_all([failed, failed_too])
        db.session.commit()
        # A 居务协商会 of one member, and its meeting with one item.
        from microprojects.domain.deliberation import BodyKind
        from microprojects.services import deliberation

        body = deliberation.create_body(
            admin, a, deliberation.default_body_input(BodyKind.COUNCIL, "居务协商会"), now=utcnow()
        )
        member = deliberation.add_member(admin, body, name="陈主任", role="主持", now=utcnow())
        deliberation.add_member(admin, body, login="resident_a", now=utcnow())
        meeting = deliberation.schedule_meeting(
            admin, body,
            deliberation.MeetingInput(
                "十二月议事会", utcnow(), other_items=("路灯维修", "下季度安排")
            ),
            now=utcnow(),
        )  # fmt: skip
        # The service menu: an approved street offer of A's street with a photo, another to
        # withdraw, a draft to edit and submit, and one waiting for vetting.
        from microprojects.domain.cycles import ProjectType
        from microprojects.services import offers

        org_user = db.session.get(User, world.ids["organization"])

        def offer(title: str, *, street: bool = False, photos: tuple[bytes, ...] = ()):
            data = offers.OfferInput(
                title=title, description="上门服务", price_fen=30_00, unit="次",
                project_type=ProjectType.SERVICE, category="养老助老", capacity=3,
                street_id=a.street_id if street else None,
            )  # fmt: skip
            return offers.create_offer(org_user, data, photos=photos, now=utcnow())

        on_menu = offer("长者上门理发", street=True, photos=(f.jpeg(),))
        to_withdraw = offer("助浴服务")
        pending_offer = offer("助餐配送")
        for made in (on_menu, to_withdraw, pending_offer):
            offers.submit_offer(org_user, made, now=utcnow())
        for made in (on_menu, to_withdraw):
            offers.decide_offer(admin, made, approve=True, reason="", now=utcnow())
        draft_offer = offer("陪诊服务")
        on_offer = {"offer_id": on_menu.id}
        # Procurement packages of the implemented project's cycle: one holding it (its supplier
        # and name to set), one open for the cycle's other funded project (added, then taken
        # out again), one empty to delete.
        package, open_package, empty_package, spare_record = f.packages_around(admin, record)
        on_record = {"proposal_id": built.id}
        on_ballot_cycle = {"cycle_id": voting_cycle.id}
        return {
            "by_endpoint": {
                "proposals.submit": {"proposal_id": resubmit.id},
                "proposals.withdraw": {"proposal_id": withdrawable.id},
                "proposals.support": {"proposal_id": theirs.id},
                "proposals.unsupport": {"proposal_id": theirs.id},
                "proposals.report": {"comment_id": their_comment.id},
                **{f"voting.{name}": on_ballot_cycle for name in ("ballot", "review", "cast")},
                "stations.index": on_ballot_cycle,
                "stations.open_station": on_ballot_cycle,
                "stations.grid_workers": on_ballot_cycle,
                "voting.receipt": on_ballot_cycle,
                "results.counted_ballots": {"cycle_id": counted.id},
                "results.results_table": {"cycle_id": counted.id},
                "results.object_to": {"cycle_id": counted.id},
                "results.add_remedy": {"objection_id": upheld.id},
                "api.cycle_results": {"cycle_id": counted.id},
                "api.cycle_results_csv": {"cycle_id": counted.id},
                "api.project": {"proposal_id": built.id},
                **{f"implementation.{name}": on_record for name in ON_RECORD},
                "printed.ballot": on_ballot_cycle,
                "printed.shortlist": on_ballot_cycle,
                "printed.results_notice": {"cycle_id": counted.id},
                "printed.completion": on_record,
                "acceptance.record": on_record,
                "acceptance.survey": on_record,
                "acceptance.document": {"name": inspected.documents[0].filename},
                "contracts.record": {"proposal_id": uncontracted[0].id},
                "contracts.approve_update": {"update_id": approve_me.id},
                "contracts.return_update": {"update_id": return_me.id},
                "shortlist.page": {"cycle_id": listed.id},
                "shortlist.object_to": {"cycle_id": listed.id},
                "shortlist.publish": {"cycle_id": unlisted.id},
                "shortlist.set_days": {"cycle_id": unlisted.id},
                "shortlist.answer": {"objection_id": listed_objection.id},
                "notices.admin_retry": {"message_id": failed_too.id},
                # Another item than the one voted on (a decided item stays on the agenda).
                "meetings.remove_item": {"item_id": meeting.items[1].id},
                "wishes.propose": {"wish_id": taken.id},
                "offers.photo": {**on_offer, "photo_id": on_menu.photos[0].id},
                "offers.photo_variant": {**on_offer, "photo_id": on_menu.photos[0].id},
                "offers.edit": {"offer_id": draft_offer.id},
                "offers.submit": {"offer_id": draft_offer.id},
                "offers.withdraw": {"offer_id": to_withdraw.id},
                "offers.decide": {"offer_id": pending_offer.id},
                "packages.public": {"cycle_id": record.cycle_id},
                "packages.manage": {"cycle_id": record.cycle_id},
                "packages.create": {"cycle_id": record.cycle_id},
                "packages.add_project": {"package_id": open_package.id},
                "packages.remove_project": {
                    "package_id": open_package.id,
                    "implementation_id": spare_record.id,
                },
                "packages.delete": {"package_id": empty_package.id},
            },
            "offer_id": on_menu.id,
            "draft_offer_id": draft_offer.id,
            "withdrawable_offer_id": to_withdraw.id,
            "pending_offer_id": pending_offer.id,
            "community_id": a.id,
            "package_id": package.id,
            "open_package_id": open_package.id,
            "spare_record_id": spare_record.id,
            "implementation_id": spare_record.id,
            "wish_id": wish.id,
            "taken_wish_id": taken.id,
            "contract_id": contract.id,
            "update_id": approve_me.id,
            "approve_update_id": approve_me.id,
            "return_update_id": return_me.id,
            "resubmit_id": resubmit.id,
            "withdrawable_id": withdrawable.id,
            "voting_id": voting_cycle.id,
            "ballot_project_id": on_ballot[0].id,
            "objection_id": objection.id,
            "upheld_id": upheld.id,
            "remedy_id": remedy.id,
            "remedied_project_id": counted_made[1].id,
            "spending_id": record.spending[0].id,
            "milestone_id": record.milestones[0].id,
            "report_id": problem.id,
            "message_id": failed.id,
            "admin_message_id": failed_too.id,
            "cycle_id": proposal.cycle_id,
            "proposal_id": proposal.id,
            "comment_id": comment.id,
            "photo_id": photo.id,
            "width": 480,  # of a photo's variant
            "paper_id": paper.id,
            "station_id": station.id,
            "name": photo.filename,
            "slug": world.a_slug,
            "residency_id": pending.id,
            "entry_id": entry.id,
            "user_id": world.ids["committee_a"],  # owns membership_id
            "membership_id": membership.id,
            "org_id": org.id,
            "grid_id": a.grids[0].id,
            "assignment_id": spare.id,
            "filename": "css/app.css",
            "body_id": body.id,
            "member_id": member.id,
            "meeting_id": meeting.id,
            "item_id": meeting.items[0].id,
            "token": URLSafeTimedSerializer(app.secret_key, salt="meeting-check-in").dumps(
                meeting.id
            ),
        }


def _url(app, endpoint, values):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        own = values.get("by_endpoint", {}).get(endpoint, {})
        return url_for(endpoint, **{k: own.get(k, values[k]) for k in rule.arguments})


def _effect(app: Flask, route: Route, t: Targets) -> object:
    if route.effect is None:
        return None
    with app.app_context():
        return route.effect(t)


def _flashed_errors(client: FlaskClient) -> list[str]:
    """The error messages the response left for the next page (and clears them)."""
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    return [message for category, message in flashes if category == "error"]


def _judge(
    role: str, route: Route, response: Any, before: object, after: object, errors: list[str], t
) -> str | None:
    """Why the answer is not the expected one (None: it is)."""
    status = response.status_code
    location = response.headers.get("Location", "")
    to_login = status in (301, 302, 303) and "/login" in location
    want = expected(role, route)
    if want == "login":
        return None if to_login else "not sent to the login page"
    if want == FORBIDDEN:
        return None if status == 403 else "not the 403 page"
    offered = route.offers is not None and route.offers.format(**t) in response.get_data(
        as_text=True
    )
    if want == "allowed":
        if status >= 500 or status in (401, 403, 404) or to_login:
            return "refused"
        if route.effect is not None and before == after:
            return f"nothing done ({before!r}; errors {errors})"
        if route.offers is not None and not offered:
            return "the form is not offered"
        return None
    assert want == DECLINED
    if status >= 500 or status in (401, 403, 404) or to_login:
        return "not a declined request"
    if route.effect is not None and before != after:
        return f"it was done: {before!r} -> {after!r}"
    if route.offers is not None and offered:
        return "the form is offered"
    if status in (301, 302, 303) and not errors:
        return "sent back without the reason"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, targets, role):
    client = app.test_client()
    if role != "anonymous":
        login(client, role)
    failures = []
    for endpoint, route in ROUTES.items():
        url = _url(app, endpoint, targets)
        before = _effect(app, route, targets)
        if route.method == "GET":
            _flashed_errors(client)
            response = client.get(url)
        else:
            data = route.form(app, client, targets) if route.form else {}
            data["csrf_token"] = csrf_token(client)  # also shows (and clears) earlier messages
            response = client.post(url, data=data)
        response.close()  # static files are streamed from an open file
        after = _effect(app, route, targets)
        errors = _flashed_errors(client)
        problem = _judge(role, route, response, before, after, errors, targets)
        if problem:
            failures.append(
                f"{route.method} {url} ({route.access}) as {role}: {response.status_code} {problem}"
            )
        if endpoint == "auth.logout" and role != "anonymous":
            login(client, role)  # logging out was the point; carry on logged in
    assert failures == []


def test_another_organization_changes_nothing_of_an_offer(app, world):
    """A member of another organization may not edit, submit or withdraw an organization's
    offer, nor see its drafts; the other community's committee neither."""
    from microprojects.domain.cycles import ProjectType
    from microprojects.services import accounts, offers

    with app.app_context():
        a = db.session.get(Community, world.a_id)
        admin = db.session.get(User, world.ids["admin"])
        org_user = db.session.get(User, world.ids["organization"])
        data = offers.OfferInput(
            title="陪诊服务", description="陪同就医", price_fen=50_00, unit="次",
            project_type=ProjectType.SERVICE, category="养老助老", capacity=2,
        )  # fmt: skip
        draft = offers.create_offer(org_user, data, now=utcnow())
        approved = offers.create_offer(org_user, data, now=utcnow())
        offers.submit_offer(org_user, approved, now=utcnow())
        offers.decide_offer(admin, approved, approve=True, reason="", now=utcnow())
        rival = accounts.create_organization(
            admin, name="彩虹社工服务社", registration_no=None, community=a, now=utcnow()
        )
        accounts.add_organization_member(admin, rival, f.user("rival_org"), now=utcnow())
        ids = (draft.id, approved.id)

    def state() -> list[tuple[str, str]]:
        with app.app_context():
            return [
                (o.title, o.status.value)
                for o in (db.session.get(ServiceOffer, i) for i in ids)
                if o is not None
            ]

    before = state()
    for who in ("rival_org", "committee_b"):
        client = app.test_client()
        login(client, who)
        assert client.get(f"/offers/{ids[0]}").status_code == 404  # a draft is not public
        for offer_id in ids:
            for path, data in (
                (f"/offers/{offer_id}/edit", _offer_form(app, client, {})),
                (f"/offers/{offer_id}/submit", {}),
                (f"/offers/{offer_id}/withdraw", {}),
            ):
                response = client.post(path, data={**data, "csrf_token": csrf_token(client)})
                assert response.status_code == 403, (who, path)
    assert state() == before
