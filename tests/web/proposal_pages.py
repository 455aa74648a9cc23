"""Helpers of the proposal pages' tests (test_proposal_*.py): cycles and proposals made in
the phase a test needs against the real clock, browsers of their own, reading pages and
lists, forms and photos to send."""

import io
import itertools
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import factories as f
from PIL import ExifTags, Image
from sqlalchemy import select
from webclient import login, post

from microprojects.extensions import db
from microprojects.models import Community, Cycle, Proposal, User
from microprojects.services import proposals

CARD = re.compile(r'<h3><a href="/proposals/(\d+)">')
SCRIPT = "<script>"
_ips = itertools.count(10)


def _objects(w) -> SimpleNamespace:
    return SimpleNamespace(
        a=db.session.get(Community, w.a_id),
        b=db.session.get(Community, w.b_id),
        **{name: db.session.get(User, uid) for name, uid in w.ids.items()},
    )


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def _as(app, username: str):
    """A browser of its own (its own address, so logins are not rate-limited together)."""
    client = app.test_client()
    n = next(_ips)
    client.environ_base["REMOTE_ADDR"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    login(client, username)
    return client


def _cycle(app, w, phase="collecting", **overrides) -> int:
    with app.app_context():
        o = _objects(w)
        return f.cycle(o.a, o.committee_a, phase=phase, **overrides).id


def _propose(app, cycle_id, author="resident_a", *, submit=True, minutes=60, **overrides) -> int:
    """A proposal made while the cycle collected proposals (``minutes`` after it opened)."""
    with app.app_context():
        c = db.session.get(Cycle, cycle_id)
        p = proposals.create_proposal(
            _user(author),
            c,
            f.proposal_input(**overrides),
            submit=submit,
            now=c.collecting_at + timedelta(minutes=minutes),
        )
        return p.id


def _neighbours(app, w, count: int, prefix: str = "neighbour") -> list[str]:
    with app.app_context():
        o = _objects(w)
        return [
            f.verified_resident(
                f"{prefix}{i}", o.a, o.committee_a, f"{prefix}{i}", f"7栋{i}单元"
            ).username
            for i in range(count)
        ]


def _support(app, proposal_id: int, *usernames: str) -> None:
    with app.app_context():
        p = db.session.get(Proposal, proposal_id)
        for name in usernames:
            proposals.support(_user(name), p, now=p.cycle.collecting_at + timedelta(hours=2))


def _page(client, path: str, **params) -> str:
    response = client.get(path, query_string=params)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _status(client, path: str) -> int:
    """The status of a GET, the response closed (a served file is left open otherwise)."""
    with client.get(path) as response:
        return response.status_code


def _listed(client, cycle_id: int, **params) -> list[int]:
    return [int(x) for x in CARD.findall(_page(client, f"/cycles/{cycle_id}", **params))]


def _state(app, proposal_id: int) -> str:
    with app.app_context():
        return db.session.get(Proposal, proposal_id).state


def _escaped(page: str, marker: str) -> None:
    """``<script>marker</script>`` was typed; the page shows it as text."""
    assert f"<script>{marker}</script>" not in page
    assert f"&lt;script&gt;{marker}&lt;/script&gt;" in page


def _no_script(page: str) -> None:
    assert SCRIPT not in page
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", page, re.IGNORECASE), "an event handler"


def _proposal_form(**overrides) -> dict:
    return {
        "title": "楼道装感应灯",
        "description": "三栋楼道晚上太黑，老人摔过跤。",
        "category": "设施维修",
        "project_type": "goods",
        "estimated_cost": "8,000",
        "location": "振兴社区三栋",
        "latitude": "",
        "longitude": "",
        "beneficiaries": "三栋住户约 60 人",
        "tag_urgent": "y",
        "submit": "1",
        **overrides,
    }


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (640, 480), "#2a6f97")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SECRETCAM"
    exif[ExifTags.Base.ImageDescription] = "SECRETDESC"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (20.0, 2.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (110.0, 20.0, 5.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    data = buffer.getvalue()
    assert b"SECRETCAM" in data and b"Exif" in data
    return data


def _upload(client, proposal_id: int, data: bytes, name: str = "IMG_0001.jpg"):
    return post(
        client,
        f"/proposals/{proposal_id}/photos",
        {"photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _uploads(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


CONFIRM_TOKEN = re.compile(r'name="confirm_token" value="([^"]+)"')


def confirmation(response) -> str:
    """The confirmation token of a confirmation page (fails if the page is not one)."""
    found = CONFIRM_TOKEN.search(response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[:800]
    return found.group(1)


def confirmed(client, path: str, data: dict | None = None, **kwargs):
    """POST as the pages do for an action that asks first: the form, then the confirmation
    page's button. Returns the answer to the confirmation."""
    asked = post(client, path, data)
    assert asked.status_code == 200, (asked.status_code, asked.headers.get("Location"))
    return post(client, path, {"confirm_token": confirmation(asked)}, **kwargs)


def _assess(app, proposal_id: int, committee: str = "committee_a") -> None:
    """The screening checklist answered for the proposal, as approving and rejecting need."""
    with app.app_context():
        f.assessed(_user(committee), db.session.get(Proposal, proposal_id))
