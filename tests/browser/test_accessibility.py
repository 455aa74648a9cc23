"""An accessibility audit (axe-core) of the public pages, the ballot and the committee's main
pages: no serious or critical violations."""

from __future__ import annotations

import factories as f
import pytest
from webclient import axe_problems, log_in, need_axe


@pytest.fixture
def audited(browser, base_url):
    """New pages, each in its own context (its own login), that the audit can be injected into."""
    need_axe()
    contexts = []

    def new_page():
        # The strict CSP (script-src 'self') would refuse the injected audit script.
        context = browser.new_context(base_url=base_url, locale="zh-CN", bypass_csp=True)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


def _audit(page, path: str | None) -> list[str]:
    """The audit of ``path``, or of the page already open (None: a page a POST answered)."""
    if path is not None:
        page.goto(path)
    return axe_problems(page, path or page.url)


def test_pages_have_no_serious_accessibility_violations(audited, fresh_db):
    from microprojects.extensions import db
    from microprojects.models import Community, User

    with fresh_db.app_context():
        w = f.world()
        voting_cycle, projects = f.voting_cycle(w.a, w.admin)
        open_cycle = f.cycle(db.session.get(Community, w.a.id), db.session.get(User, w.admin.id))
        counted, _, _ = f.counted_cycle(w.a, w.admin)
        built, _ = f.implemented_project(w.a, w.admin)
        ids = (voting_cycle.id, projects[0].id, open_cycle.id, w.a.slug)
        after = (counted.id, built.id, built.cycle_id)
    voting_id, proposal_id, open_id, slug = ids
    counted_id, built_id, built_cycle = after
    page = audited()
    problems: list[str] = []
    for path in ["/", "/communities", f"/c/{slug}", "/cycles", f"/cycles/{voting_id}",
                 f"/proposals/{proposal_id}", "/login", "/register", f"/c/{slug}/claim",
                 f"/cycles/{voting_id}/check", f"/cycles/{counted_id}/results",
                 f"/cycles/{built_cycle}/results", f"/proposals/{built_id}"]:  # fmt: skip
        problems += _audit(page, path)
    log_in(page, "resident_a")
    for path in [f"/cycles/{voting_id}/vote", f"/cycles/{open_id}/propose", "/account", "/verify",
                 f"/cycles/{counted_id}/results", f"/proposals/{built_id}"]:  # fmt: skip
        problems += _audit(page, path)
    committee = audited()
    log_in(committee, "committee_a")
    base = f"/c/{slug}/committee"
    committee_pages = [
        base,
        f"{base}/roster",
        f"{base}/verifications",
        f"{base}/cycles",
        f"{base}/cycles/{voting_id}/paper",
        f"/proposals/{proposal_id}",
        f"{base}/cycles/{counted_id}/count",
        f"{base}/cycles/{built_cycle}/implementation",
        f"{base}/projects/{built_id}",
        f"{base}/moderation",
        f"{base}/cycles/{open_id}",
    ]
    for path in committee_pages:
        problems += _audit(committee, path)
    # The confirmation page that ending a phase now leads to.
    committee.get_by_label("立即结束本阶段").check()
    committee.get_by_label("理由（公开）").fill("提议已经足够")
    committee.get_by_role("button", name="继续").click()
    assert "确定，立即结束本阶段" in committee.locator("main").inner_text()
    problems += _audit(committee, None)
    assert problems == []
