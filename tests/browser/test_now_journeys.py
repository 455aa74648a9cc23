"""The resident's now in a real browser, on a phone (390x844) and a desktop (1280 wide): one
action per phase above the fold; a visitor's way in; elder mode (长辈模式) at 200% zoom with no
sideways scrolling and no serious accessibility violation; the receipt's copy button."""

from __future__ import annotations

from datetime import timedelta

import factories as f
import pytest
from webclient import axe_problems, log_in, need_axe, shot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# 200% zoom on a 390 px phone: page.evaluate cannot zoom, so the viewport is halved and each
# CSS pixel drawn twice, which is what the browser's zoom does to the layout.
ZOOMED = {"viewport": {"width": 195, "height": 422}, "device_scale_factor": 2}
TEXT = "main p, main li, main dd, main dt, main label, main .tag, main .small, main .muted, footer"
TARGETS = "button, .button, .nav a, label.check, summary"


def _context(browser, base_url, **kwargs):
    return browser.new_context(base_url=base_url, locale="zh-CN", **kwargs)


def _phases(app):
    """A world with a cycle of community A in each phase a resident is shown, as asked."""
    from microprojects.extensions import db
    from microprojects.models import Community, User

    with app.app_context():
        w = f.world()
        ids = {"world": w.snapshot()}
        for phase in ("collecting", "publication", "implementation"):
            ids[phase] = f.cycle(w.a, w.admin, phase=phase, title=f"{phase} 轮次").id
        c, projects = f.voting_cycle(w.a, w.admin, title="投票中的轮次")
        ids["voting"], ids["project"] = c.id, projects[0].id
        ids["b_collecting"] = f.cycle(
            db.session.get(Community, w.b.id), db.session.get(User, w.admin.id), title="白龙征集"
        ).id
        return ids


def _vote(app, cycle_id: int, project_id: int) -> None:
    from microprojects.domain.ballots import Choice
    from microprojects.extensions import db
    from microprojects.models import Cycle, User
    from microprojects.services import voting

    with app.app_context():
        voter = db.session.scalar(db.select(User).filter_by(username="resident_a"))
        c = db.session.get(Cycle, cycle_id)
        when = c.voting_at + timedelta(hours=2)
        voting.cast_ballot(voter, c, [Choice(str(project_id))], now=when)


def _above_the_fold(page, locator, height: int) -> None:
    box = locator.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, box


@pytest.mark.parametrize(("size", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_the_residents_now_in_each_phase(browser, base_url, fresh_db, watch, size, name):
    from webclient import observe

    ids = _phases(fresh_db)
    page = observe(_context(browser, base_url, viewport=size).new_page(), watch)
    log_in(page, "resident_a")
    assert page.url.rstrip("/") == base_url  # log in lands on the now
    main = page.locator("main")
    assert "振兴社区" in page.locator(".now-where").inner_text()
    # The vote first: the call to vote is the first card, its button above the fold.
    first = page.locator(".now-cycle").first
    assert "投票中的轮次" in first.inner_text()
    _above_the_fold(page, first.get_by_role("link", name="去投票"), size["height"])
    for label in ("去提议", "看结果", "看进度"):
        assert page.get_by_role("link", name=label).count() == 1, label
    assert "白龙征集" not in main.inner_text()
    shot(page, f"now-resident-{name}")
    # Voting goes to the ballot.
    first.get_by_role("link", name="去投票").click()
    page.wait_for_url(f"**/cycles/{ids['voting']}/vote")
    # Once voted: the day and the channel, the receipt's check, no call to vote.
    _vote(fresh_db, ids["voting"], ids["project"])
    page.goto("/")
    voted = page.locator(".voted")
    assert "您已于" in voted.inner_text() and "网上" in voted.inner_text()
    assert page.get_by_role("link", name="去投票").count() == 0
    page.get_by_role("link", name="核对回执码").click()
    page.wait_for_url(f"**/cycles/{ids['voting']}/check")
    shot(page, f"now-voted-{name}")
    # The cycle's page says so too.
    page.goto(f"/cycles/{ids['voting']}")
    assert "您已于" in page.locator(".call").inner_text()


def test_a_visitor_sees_how_to_take_part(browser, base_url, fresh_db, watch):
    from webclient import observe

    ids = _phases(fresh_db)
    page = observe(_context(browser, base_url, viewport=PHONE).new_page(), watch)
    page.goto("/")
    join = page.locator(".join")
    assert "参与只需三步" in join.inner_text()
    _above_the_fold(page, join.get_by_role("link", name="注册参与"), PHONE["height"])
    assert "白龙征集" in page.locator("main").inner_text()  # the city's open cycles
    shot(page, "now-visitor-phone")
    # A collecting cycle invites to propose, or to join first, before the budget's details.
    page.goto(f"/cycles/{ids['collecting']}")
    call = page.locator(".call")
    assert "欢迎提议" in call.inner_text()
    register = call.get_by_role("link", name="注册后提议")
    _above_the_fold(page, register, PHONE["height"])
    budget = page.locator(".facts").bounding_box()
    assert budget is not None and register.bounding_box()["y"] < budget["y"]
    shot(page, "cycle-collecting-visitor-phone")
    call.get_by_role("link", name="登录").click()
    page.get_by_label("用户名或手机号").fill("resident_a")
    page.get_by_label("密码").fill(f.PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/cycles/{ids['collecting']}/propose")  # next, not the home page


def test_on_a_phone_the_vote_comes_before_the_budget(browser, base_url, fresh_db, watch):
    from webclient import observe

    ids = _phases(fresh_db)
    page = observe(_context(browser, base_url, viewport=PHONE).new_page(), watch)
    log_in(page, "resident_a")
    page.goto(f"/cycles/{ids['voting']}")
    vote = page.locator(".call").get_by_role("link", name="去投票")
    _above_the_fold(page, vote, PHONE["height"])
    assert vote.bounding_box()["y"] < page.locator(".facts").bounding_box()["y"]
    shot(page, "cycle-voting-phone")


def test_normal_mode_checkboxes_and_costs_are_readable(browser, base_url, fresh_db, watch):
    from webclient import observe

    ids = _phases(fresh_db)
    page = observe(_context(browser, base_url, viewport=PHONE).new_page(), watch)
    log_in(page, "resident_a")
    page.goto(f"/cycles/{ids['voting']}/vote")
    box = page.locator(".choice input[type=checkbox]").first.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box
    cost = page.locator(".choice-body .small.muted").first
    size = cost.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    color = cost.evaluate("e => getComputedStyle(e).color")
    assert size >= 16 and color == "rgb(29, 35, 39)", (size, color)


def _turn_elder_mode_on(page) -> None:
    switch = page.locator(".elder-switch button")
    assert switch.get_attribute("aria-pressed") == "false"
    switch.click()
    page.wait_for_load_state()
    assert page.locator(".elder-switch button").get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.documentElement.classList.contains('elder')")


def test_elder_mode_at_200_percent_zoom(browser, base_url, fresh_db, watch):
    from webclient import observe

    ids = _phases(fresh_db)
    page = observe(_context(browser, base_url, **ZOOMED).new_page(), watch)
    log_in(page, "resident_a")
    _turn_elder_mode_on(page)
    paths = ["/", f"/cycles/{ids['voting']}", f"/cycles/{ids['voting']}/vote",
             f"/proposals/{ids['project']}", "/account", "/cycles"]  # fmt: skip
    for path in paths:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 195, (path, width)
        # Body text of 18 px and more, no light grey text.
        small = page.evaluate(
            """(sel) => [...document.querySelectorAll(sel)]
              .filter(e => e.offsetParent && e.textContent.trim())
              .map(e => [getComputedStyle(e).fontSize, getComputedStyle(e).color, e.className])
              .filter(([size, color]) => parseFloat(size) < 18 || color === 'rgb(91, 102, 112)')""",
            TEXT,
        )
        assert small == [], (path, small[:5])
        # Touch targets of 44 px and more: buttons, the switch, the header's links.
        targets = page.evaluate(
            """(sel) => [...document.querySelectorAll(sel)]
              .filter(e => e.offsetParent)
              .map(e => [e.getBoundingClientRect().height, e.textContent.trim().slice(0, 12)])
              .filter(([h]) => h < 44 - 0.5 && h > 0)""",
            TARGETS,
        )
        assert targets == [], (path, targets)
    page.goto(f"/cycles/{ids['voting']}/vote")
    page.get_by_label("报刊亭旁放两张石凳").check()
    shot(page, "elder-ballot-200-percent")
    page.get_by_role("button", name="查看我的选择").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 195
    page.get_by_role("button", name="投出选票").click()
    page.locator("[data-receipt]").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 195
    # The receipt wraps between groups, never inside one, and no line starts with a dash.
    lines = page.locator(".receipt-code .group").evaluate_all(
        """gs => gs.map(g => Math.round(g.getBoundingClientRect().height
                                      / parseFloat(getComputedStyle(g).lineHeight)))"""
    )
    assert lines == [1, 1, 1, 1]
    starts = page.locator(".receipt-code .group").evaluate_all("gs => gs.map(g => g.textContent)")
    assert all(len(g.rstrip("-")) == 4 for g in starts) and not any(
        g.startswith("-") for g in starts
    )
    shot(page, "elder-receipt-200-percent")
    page.goto("/")
    shot(page, "elder-now-200-percent")


def test_elder_mode_of_a_visitor_and_its_switch(browser, base_url, fresh_db, watch):
    from webclient import observe

    ids = _phases(fresh_db)
    page = observe(_context(browser, base_url, viewport=PHONE).new_page(), watch)
    page.goto(f"/cycles/{ids['collecting']}")
    _turn_elder_mode_on(page)
    assert page.url.endswith(f"/cycles/{ids['collecting']}")  # back where the switch was
    # Secondary details folded away, the call still first.
    details = page.locator("details.folded")
    assert details.count() == 1 and not page.locator(".facts").is_visible()
    details.locator("summary").click()
    assert page.locator(".facts").is_visible()
    shot(page, "elder-cycle-visitor-phone")
    page.goto("/cycles")
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    page.locator(".elder-switch button").click()
    page.wait_for_load_state()
    assert not page.evaluate("document.documentElement.classList.contains('elder')")


def test_elder_mode_pages_have_no_serious_accessibility_violation(browser, base_url, fresh_db):
    need_axe()
    ids = _phases(fresh_db)
    context = _context(browser, base_url, viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    problems: list[str] = []

    def audit(path: str) -> None:
        page.goto(path)
        problems.extend(axe_problems(page, path))

    page.goto("/")
    _turn_elder_mode_on(page)
    for path in ["/", "/cycles", f"/cycles/{ids['collecting']}", f"/cycles/{ids['voting']}",
                 f"/proposals/{ids['project']}", f"/cycles/{ids['voting']}/check"]:  # fmt: skip
        audit(path)
    log_in(page, "resident_a")
    _turn_elder_mode_on(page)
    for path in ["/", f"/cycles/{ids['voting']}", f"/cycles/{ids['voting']}/vote", "/account"]:
        audit(path)
    context.close()
    assert problems == []


def test_the_receipts_copy_button(browser, base_url, fresh_db, watch):
    from webclient import observe

    ids = _phases(fresh_db)
    context = _context(browser, base_url, viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = observe(context.new_page(), watch)
    log_in(page, "resident_a")
    page.goto(f"/cycles/{ids['voting']}/vote")
    page.get_by_label("报刊亭旁放两张石凳").check()
    page.get_by_role("button", name="查看我的选择").click()
    page.get_by_role("button", name="投出选票").click()
    code = page.locator("#receipt-code")
    receipt = code.inner_text().strip()
    assert len(receipt) == 19 and receipt.count("-") == 3
    # On one line at 390 px.
    assert code.evaluate("e => e.getClientRects().length") == 1
    copy = page.get_by_role("button", name="复制回执码")
    copy.click()
    page.get_by_text("已复制。").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == receipt
    shot(page, "receipt-copied-phone")


def test_without_a_clipboard_there_is_no_copy_button(browser, base_url, fresh_db, watch):
    from webclient import observe

    ids = _phases(fresh_db)
    context = _context(browser, base_url, viewport=PHONE)
    context.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page = observe(context.new_page(), watch)
    log_in(page, "resident_a")
    page.goto(f"/cycles/{ids['voting']}/vote")
    page.get_by_label("报刊亭旁放两张石凳").check()
    page.get_by_role("button", name="查看我的选择").click()
    page.get_by_role("button", name="投出选票").click()
    page.locator("[data-receipt]").wait_for()
    assert not page.locator("button[data-copy]").is_visible()
    # The code is still plain text to select.
    assert page.locator("#receipt-code").evaluate("e => getComputedStyle(e).userSelect") != "none"
