import factories as f
from datetime import timedelta
from webclient import csrf_token, login
from microprojects.models import utcnow, Meeting
from microprojects.extensions import db
import sys
sys.path.insert(0, "tests/services")

def test_smoke(app):
    from test_deliberation import build, mark
    with app.app_context():
        w = f.world()
        body, meeting, made = build(w)
        mid, slug, pid = meeting.id, w.a.slug, made[0].id
        item = meeting.items[0].id
    c = app.test_client(); login(c, "committee_a")
    for u in [f"/c/{slug}/committee/bodies", f"/c/{slug}/committee/meetings", f"/c/{slug}/committee/meetings/{mid}"]:
        r = c.get(u); assert r.status_code == 200, (u, r.status_code, r.get_data(as_text=True)[-2000:])
    r = c.post(f"/c/{slug}/committee/meetings/{mid}/items/{item}/vote", data={"csrf_token": csrf_token(c), "votes_for": "3"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "No quorum" in html or "法定" in html or "needed" in html, html[-3000:]
    with app.app_context():
        m = db.session.get(Meeting, mid)
        ids = [str(a.member_id) for a in m.attendance][:9]
    r = c.post(f"/c/{slug}/committee/meetings/{mid}/attendance", data={"csrf_token": csrf_token(c), "present": ids}, follow_redirects=True)
    r = c.post(f"/c/{slug}/committee/meetings/{mid}/items/{item}/vote", data={"csrf_token": csrf_token(c), "votes_for": "7", "against": "1", "abstain": "0"}, follow_redirects=True)
    r = c.post(f"/c/{slug}/committee/meetings/{mid}/publish", data={"csrf_token": csrf_token(c)}, follow_redirects=True)
    assert r.status_code == 200
    for u in [f"/c/{slug}/committee/meetings/{mid}/print", f"/c/{slug}/meetings/{mid}", f"/proposals/{pid}"]:
        r = app.test_client().get(u) if "committee" not in u else c.get(u)
        assert r.status_code == 200, (u, r.get_data(as_text=True)[-2000:])
        with open(f"/tmp/smoke{u.replace('/','_')}.html","w") as fh: fh.write(r.get_data(as_text=True))
