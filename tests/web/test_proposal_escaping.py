"""Everything people type is escaped wherever the proposal pages show it: proposals,
comments and their report and hide reasons, screening texts, names and titles."""

from datetime import timedelta

from proposal_pages import (
    _as,
    _assess,
    _cycle,
    _escaped,
    _neighbours,
    _no_script,
    _page,
    _proposal_form,
    _propose,
    confirmation,
)
from sqlalchemy import select
from webclient import post

from microprojects.extensions import db
from microprojects.models import Comment, Cycle, utcnow

# --- escaping everything people type --------------------------------------------------------


def test_proposal_fields_are_escaped_wherever_shown(app, world):
    cycle_id = _cycle(app, world)
    client = _as(app, "resident_a")
    response = post(
        client,
        f"/cycles/{cycle_id}/propose",
        _proposal_form(
            title="<script>T1</script>",
            description='<script>D1</script>\n\n<img src=x onerror="alert(1)">\n\n'
            "[link](javascript:alert(2))",
            location="<script>L1</script>",
            beneficiaries="<script>B1</script>",
        ),
    )
    assert response.status_code == 302
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    detail = _page(client, f"/proposals/{pid}")
    for marker in ("T1", "L1", "B1"):
        _escaped(detail, marker)
    assert "<title>&lt;script&gt;T1&lt;/script&gt;" in detail
    _no_script(detail)
    assert 'href="javascript:' not in detail
    listing = _page(client, f"/cycles/{cycle_id}")
    _escaped(listing, "T1")
    _no_script(listing)
    assert "D1" in listing  # the excerpt, as text
    committee_view = _page(_as(app, "committee_a"), f"/proposals/{pid}")
    _escaped(committee_view, "T1")
    _no_script(committee_view)


def test_comment_report_and_hide_reasons_are_escaped(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    [neighbour] = _neighbours(app, world, 1)
    author = _as(app, "resident_a")
    post(author, f"/proposals/{pid}/comments", {"body": "<script>C1</script>", "stance": "oppose"})
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    reporter = _as(app, neighbour)
    post(reporter, f"/comments/{comment_id}/report", {"reason": "<script>R1</script>"})
    detail = _page(reporter, f"/proposals/{pid}")
    _escaped(detail, "C1")
    _no_script(detail)
    committee = _as(app, "committee_a")
    moderation = _page(committee, f"/c/{world.a_slug}/committee/moderation")
    _escaped(moderation, "C1")
    _escaped(moderation, "R1")
    _no_script(moderation)
    post(committee, f"/comments/{comment_id}/hide", {"reason": "<script>H1</script>"})
    public = _page(app.test_client(), f"/proposals/{pid}")
    _escaped(public, "H1")
    assert "已被居务协商会隐藏：&lt;script&gt;H1" in public
    _no_script(public)
    notices = _page(author, "/account/notifications")
    _escaped(notices, "H1")
    _no_script(notices)


def test_screening_texts_are_escaped(app, client, world):
    cycle_id = _cycle(app, world, phase="screening")
    rejected = _propose(app, cycle_id)
    revised = _propose(app, cycle_id, title="<script>O1</script>")
    committee = _as(app, "committee_a")
    _assess(app, rejected)
    _assess(app, revised)
    # The confirmation page shows the reason, escaped, before anything is done.
    asked = post(committee, f"/proposals/{rejected}/reject", {"reason": "<script>X1</script>"})
    _escaped(asked.get_data(as_text=True), "X1")
    _no_script(asked.get_data(as_text=True))
    post(committee, f"/proposals/{rejected}/reject", {"confirm_token": confirmation(asked)})
    post(
        committee,
        f"/proposals/{revised}/revise",
        {"cost": "100", "ballot_title": "<script>BT1</script>", "note": "<script>N1</script>"},
    )
    page = _page(client, f"/proposals/{rejected}")
    _escaped(page, "X1")
    _no_script(page)
    # The public reason for an approval: escaped on the confirmation and in the decision log.
    asked = post(committee, f"/proposals/{revised}/approve", {"note": "<script>AN1</script>"})
    _escaped(asked.get_data(as_text=True), "AN1")
    _no_script(asked.get_data(as_text=True))
    post(committee, f"/proposals/{revised}/approve", {"confirm_token": confirmation(asked)})
    # A refused one (not assessed), typed back into its form, escaped too.
    pending = _propose(app, cycle_id)
    refused = post(committee, f"/proposals/{pending}/approve", {"note": "<script>RN1</script>"})
    assert refused.status_code == 422
    _escaped(refused.get_data(as_text=True), "RN1")
    _no_script(refused.get_data(as_text=True))
    page = _page(client, f"/proposals/{revised}")
    for marker in ("O1", "BT1", "N1", "AN1"):
        _escaped(page, marker)
    assert "原标题：&lt;script&gt;O1" in page
    _no_script(page)
    notices = _page(_as(app, "resident_a"), "/account/notifications")
    for marker in ("X1", "BT1", "N1"):
        _escaped(notices, marker)
    _no_script(notices)
    queue = _page(
        committee, f"/c/{world.a_slug}/committee/cycles/{cycle_id}/screening", state="approved"
    )
    _escaped(queue, "BT1")
    _no_script(queue)
    # The merge form lists the other proposals by their titles.
    third = _propose(app, cycle_id)
    page = _page(committee, f"/proposals/{third}")
    assert f'action="/proposals/{third}/merge"' in page
    _escaped(page, "BT1")
    _no_script(page)
    audit = _page(committee, f"/c/{world.a_slug}/committee/audit")
    for marker in ("X1", "BT1", "N1"):
        _escaped(audit, marker)
    _no_script(audit)


def test_on_behalf_name_and_cycle_title_are_escaped(app, client, world):
    committee = _as(app, "committee_a")
    start = utcnow() + timedelta(hours=8) - timedelta(days=1)  # local time, a day ago
    dates = {
        f"{name}_at": (start + timedelta(days=10 * i)).strftime("%Y-%m-%dT%H:%M")
        for i, name in enumerate(
            ["collecting", "screening", "voting", "publication", "implementation", "closed"]
        )
    }
    response = post(
        committee,
        f"/c/{world.a_slug}/committee/cycles",
        {
            "title": "<script>CY1</script>",
            "description": "<script>CD1</script>",
            "budget": "300000",
            "categories": "设施维修\n<script>CAT1</script>",
            "checklist": "<script>CK1</script>",
            "min_age": "15",
            "allow_work": "y",
            **dates,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        cycle_id = db.session.scalar(select(Cycle.id))
    response = post(
        committee,
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}/enter",
        {**_proposal_form(), "on_behalf_of": "<script>OB1</script>", "community": world.a_id},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    # Ends collecting, with a public reason: the confirmation names the cycle, escaped.
    asked = post(
        committee,
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}",
        {"change": "end", "reason": "<script>PR1</script>"},
    )
    for marker in ("PR1", "CY1"):
        _escaped(asked.get_data(as_text=True), marker)
    _no_script(asked.get_data(as_text=True))
    post(
        committee,
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}",
        {"confirm_token": confirmation(asked)},
    )
    for path, markers in [
        (f"/proposals/{pid}", ["OB1", "CY1", "CK1"]),
        (f"/cycles/{cycle_id}", ["CY1", "CAT1", "PR1"]),
        ("/cycles", ["CY1"]),
    ]:
        viewer = committee if path.startswith("/proposals") else client
        page = _page(viewer, path)
        for marker in markers:
            _escaped(page, marker)
        _no_script(page)
    cycle_page = _page(client, f"/cycles/{cycle_id}")
    assert "CD1" in cycle_page  # the description, through the Markdown sanitizer
    for path in (
        f"/c/{world.a_slug}/committee/cycles",
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}",
        f"/c/{world.a_slug}/committee/audit",
    ):
        page = _page(committee, path)
        _escaped(page, "CY1")
        _no_script(page)
    _escaped(_page(committee, f"/c/{world.a_slug}/committee/audit"), "OB1")
