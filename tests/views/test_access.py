"""The access matrix: every route of the app, every kind of visitor, checked on the server.

A route added without an entry here fails ``test_every_route_has_an_access_decision``.
"""

from __future__ import annotations

import factories as f
import pytest
from sqlalchemy import select
from webclient import csrf_token, login

from microprojects.domain.people import Basis
from microprojects.extensions import db
from microprojects.models import CommitteeMembership, Organization, RosterEntry
from microprojects.services import residency

PUBLIC, LOGIN, COMMITTEE, ADMIN = "public", "login", "committee", "admin"
AUTHOR, AUTHOR_OR_COMMITTEE = "author", "author_or_committee"

# endpoint -> (method, access class)
ROUTES: dict[str, tuple[str, str]] = {
    "public.index": ("GET", PUBLIC),
    "public.communities": ("GET", PUBLIC),
    "overview.index": ("GET", PUBLIC),
    "public.community": ("GET", PUBLIC),
    "public.health": ("GET", PUBLIC),
    "public.set_language": ("POST", PUBLIC),
    "static": ("GET", PUBLIC),
    "auth.login": ("GET", PUBLIC),
    "auth.register": ("GET", PUBLIC),
    "auth.logout": ("POST", LOGIN),
    "account.claim": ("GET", PUBLIC),
    "account.index": ("GET", LOGIN),
    "account.password": ("GET", LOGIN),
    "account.delete": ("GET", LOGIN),
    "account.verify": ("GET", LOGIN),
    "committee.dashboard": ("GET", COMMITTEE),
    "committee.roster": ("GET", COMMITTEE),
    "committee.roster_import": ("POST", COMMITTEE),
    "committee.roster_template": ("GET", COMMITTEE),
    "committee.codes": ("GET", COMMITTEE),
    "committee.issue_codes": ("POST", COMMITTEE),
    "committee.reissue_code": ("POST", COMMITTEE),
    "committee.code_sheet": ("GET", COMMITTEE),
    "committee.verifications": ("GET", COMMITTEE),
    "committee.verification": ("GET", COMMITTEE),
    "committee.approve": ("POST", COMMITTEE),
    "committee.reject": ("POST", COMMITTEE),
    "committee.audit": ("GET", COMMITTEE),
    "admin.index": ("GET", ADMIN),
    "admin.users": ("GET", ADMIN),
    "admin.user": ("GET", ADMIN),
    "admin.add_committee": ("POST", ADMIN),
    "admin.remove_committee": ("POST", ADMIN),
    "admin.set_admin": ("POST", ADMIN),
    "admin.reset_password": ("POST", ADMIN),
    "admin.organizations": ("GET", ADMIN),
    "admin.add_organization_member": ("POST", ADMIN),
    "admin.audit": ("GET", ADMIN),
    "admin.places_page": ("GET", ADMIN),
    "account.notifications": ("GET", LOGIN),
    "account.notifications_read": ("POST", LOGIN),
    "proposals.cycles": ("GET", PUBLIC),
    "proposals.cycle": ("GET", PUBLIC),
    "proposals.detail": ("GET", PUBLIC),
    "proposals.media": ("GET", PUBLIC),
    "proposals.propose": ("GET", LOGIN),
    "proposals.edit": ("GET", AUTHOR),
    "proposals.submit": ("POST", LOGIN),
    "proposals.support": ("POST", LOGIN),
    "proposals.unsupport": ("POST", LOGIN),
    "proposals.add_photo": ("POST", LOGIN),
    "proposals.add_co_proposer": ("POST", LOGIN),
    "proposals.comment": ("POST", LOGIN),
    "proposals.report": ("POST", LOGIN),
    "proposals.return_": ("POST", COMMITTEE),
    "proposals.revise": ("POST", COMMITTEE),
    "proposals.assess": ("POST", COMMITTEE),
    "proposals.merge": ("POST", COMMITTEE),
    "proposals.hide_comment": ("POST", COMMITTEE),
    "proposals.restore_comment": ("POST", COMMITTEE),
    "proposals.approve": ("POST", COMMITTEE),
    "proposals.reject": ("POST", COMMITTEE),
    "proposals.remove_photo": ("POST", AUTHOR_OR_COMMITTEE),
    "proposals.withdraw": ("POST", LOGIN),
    "committee.cycles": ("GET", COMMITTEE),
    "committee.cycle": ("GET", COMMITTEE),
    "committee.screening": ("GET", COMMITTEE),
    "committee.enter": ("GET", COMMITTEE),
    "committee.moderation": ("GET", COMMITTEE),
    "voting.ballot": ("GET", LOGIN),
    "voting.review": ("POST", LOGIN),
    "voting.cast": ("POST", LOGIN),
    "voting.receipt": ("GET", LOGIN),
    "voting.check": ("GET", PUBLIC),
    "voting.published_ballots": ("GET", PUBLIC),
    "voting.public_turnout": ("GET", PUBLIC),
    "voting.settings": ("GET", COMMITTEE),
    "voting.paper": ("GET", COMMITTEE),
    "voting.paper_enter": ("POST", COMMITTEE),
    "voting.paper_confirm": ("POST", COMMITTEE),
    "voting.paper_discard": ("POST", COMMITTEE),
    "voting.committee_turnout": ("GET", COMMITTEE),
    "results.cycle_results": ("GET", PUBLIC),
    "results.counted_ballots": ("GET", PUBLIC),
    "api.cycles": ("GET", PUBLIC),
    "api.cycles_csv": ("GET", PUBLIC),
    "api.cycle": ("GET", PUBLIC),
    "api.cycle_results": ("GET", PUBLIC),
    "api.cycle_results_csv": ("GET", PUBLIC),
    "api.projects": ("GET", PUBLIC),
    "api.projects_csv": ("GET", PUBLIC),
    "api.project": ("GET", PUBLIC),
    "api.openapi": ("GET", PUBLIC),
    "results.count": ("GET", COMMITTEE),
    "results.object_to": ("POST", LOGIN),
    "results.answer": ("POST", COMMITTEE),
    "implementation.follow": ("POST", LOGIN),
    "implementation.unfollow": ("POST", LOGIN),
    "implementation.rate": ("POST", LOGIN),
    "implementation.report": ("POST", LOGIN),
    "implementation.projects": ("GET", COMMITTEE),
    "implementation.manage": ("GET", COMMITTEE),
    "implementation.start": ("POST", COMMITTEE),
    "implementation.details": ("POST", COMMITTEE),
    "implementation.spend": ("POST", COMMITTEE),
    "implementation.unspend": ("POST", COMMITTEE),
    "implementation.milestone": ("POST", COMMITTEE),
    "implementation.milestone_done": ("POST", COMMITTEE),
    "implementation.post_update": ("POST", COMMITTEE),
    "implementation.answer_problem": ("POST", COMMITTEE),
}

ROLES = [
    "anonymous",
    "unverified",
    "resident_a",
    "organization",
    "committee_b",  # the other community's committee
    "committee_a",  # the own committee
    "admin",
]

ALLOWED = {
    PUBLIC: set(ROLES),
    LOGIN: set(ROLES) - {"anonymous"},
    COMMITTEE: {"committee_a", "admin"},
    ADMIN: {"admin"},
    AUTHOR: {"resident_a"},
    AUTHOR_OR_COMMITTEE: {"resident_a", "committee_a", "admin"},
}


def test_every_route_has_an_access_decision(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) == set(), "routes without an access decision"
    assert set(ROUTES) - endpoints == set(), "decisions for routes that no longer exist"


@pytest.fixture
def targets(app, world):
    """URL values for every route, all in community A."""
    with app.app_context():
        applicant = f.user("applicant")
        from microprojects.models import Community

        a = db.session.get(Community, world.a_id)
        pending = residency.request_verification(
            applicant, a, basis=Basis.LIVE, full_name="林海燕", phone=None, birth_date=None,
            address="", note="", now=f.NOW,
        )  # fmt: skip
        entry = db.session.scalar(select(RosterEntry).filter_by(community_id=world.a_id))
        membership = db.session.scalar(
            select(CommitteeMembership).filter_by(user_id=world.ids["committee_a"])
        )
        org = db.session.scalar(select(Organization))
        proposal, comment, photo = f.proposal_with_comment(world)
        from microprojects.domain.ballots import Choice
        from microprojects.models import User, utcnow
        from microprojects.services import implementation, publication, voting

        admin = db.session.get(User, world.ids["admin"])
        voting_cycle, on_ballot = f.voting_cycle(a, admin)
        voter = f.verified_resident("paper_voter", a, admin, "陈阿婆", "8栋1单元101")
        paper = voting.enter_paper_ballot(
            admin, voting_cycle, voter.residency, [Choice(str(on_ballot[0].id))], now=utcnow()
        )
        counted, _, _ = f.counted_cycle(a, admin)
        objection = publication.file_objection(
            db.session.get(User, world.ids["resident_a"]), counted, reason="报价偏高",
            proposal_id=None, now=utcnow(),
        )  # fmt: skip
        built, record = f.implemented_project(a, admin)
        problem = implementation.report_problem(
            db.session.get(User, world.ids["resident_a"]), built, body="灯不亮", photo=None,
            now=utcnow(),
        )  # fmt: skip
        on_record = {"proposal_id": built.id}
        return {
            "by_endpoint": {
                "results.counted_ballots": {"cycle_id": counted.id},
                "api.cycle_results": {"cycle_id": counted.id},
                "api.cycle_results_csv": {"cycle_id": counted.id},
                "api.project": {"proposal_id": built.id},
                **{
                    f"implementation.{name}": on_record
                    for name in ("details", "spend", "milestone", "post_update")
                },
            },
            "objection_id": objection.id,
            "spending_id": record.spending[0].id,
            "milestone_id": record.milestones[0].id,
            "report_id": problem.id,
            "cycle_id": proposal.cycle_id,
            "proposal_id": proposal.id,
            "comment_id": comment.id,
            "photo_id": photo.id,
            "paper_id": paper.id,
            "name": photo.filename,
            "slug": world.a_slug,
            "residency_id": pending.id,
            "entry_id": entry.id,
            "user_id": world.ids["committee_a"],  # owns membership_id
            "membership_id": membership.id,
            "org_id": org.id,
            "filename": "css/app.css",
        }


def _url(app, endpoint, values):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        own = values.get("by_endpoint", {}).get(endpoint, {})
        return url_for(endpoint, **{k: own.get(k, values[k]) for k in rule.arguments})


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, targets, role):
    client = app.test_client()
    if role != "anonymous":
        login(client, role)
    failures = []
    for endpoint, (method, access) in ROUTES.items():
        url = _url(app, endpoint, targets)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client)})
        response.close()  # static files are streamed from an open file
        to_login = response.status_code == 302 and "/login" in response.headers["Location"]
        if role in ALLOWED[access]:
            ok = response.status_code < 500 and response.status_code not in (401, 403, 404)
            ok = ok and not to_login
        elif role == "anonymous":
            ok = to_login
        else:
            ok = response.status_code == 403
        if not ok:
            failures.append(f"{method} {url} ({access}) as {role}: {response.status_code}")
        if endpoint == "auth.logout" and role != "anonymous":
            login(client, role)  # logging out was the point; carry on logged in
    assert failures == []
