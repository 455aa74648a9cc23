"""Photos at the size a page shows them, through the pages: a kept photo's narrower variants are
served behind the original's own checks and with its cache headers (a draft's, a waiting
supplier update's and an unapproved offer's variants are as private as the originals), a name
that is no variant is a 404, and the pages offer them with ``srcset`` and ``sizes``."""

import io

import factories as f
from PIL import Image
from proposal_pages import _as, _cycle, _neighbours, _page, _propose, _upload
from sqlalchemy import select
from webclient import login, post

from microprojects.domain.cycles import ProjectType
from microprojects.extensions import db
from microprojects.models import (
    Community,
    OfferPhoto,
    ProgressPhoto,
    ProgressUpdate,
    ProposalPhoto,
    ServiceOffer,
    User,
    utcnow,
)
from microprojects.services.photos import variant_name


def _get(client, path):
    response = client.get(path)
    response.close()
    return response


def _image_size(response) -> tuple[int, int]:
    with Image.open(io.BytesIO(response.get_data())) as im:
        return im.size


def test_a_proposals_photo_variants_follow_the_originals_rules(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    author = _as(app, "resident_a")
    _upload(author, pid, f.jpeg(1600, 1200))
    with app.app_context():
        name = db.session.scalar(select(ProposalPhoto.filename).filter_by(proposal_id=pid))
    small, large = variant_name(name, 480), variant_name(name, 960)
    # A draft's: its author's alone, kept by no cache, the variants as the original.
    for served in (name, small, large):
        with author.get(f"/media/{served}") as shown:
            assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
            assert shown.headers["Cache-Control"] == "private, no-store"
            assert shown.headers["X-Content-Type-Options"] == "nosniff"
    with author.get(f"/media/{small}") as shown:
        assert _image_size(shown) == (480, 360)
        small_bytes = len(shown.get_data())
    with author.get(f"/media/{name}") as shown:
        assert _image_size(shown) == (1600, 1200) and small_bytes < len(shown.get_data())
    [neighbour] = _neighbours(app, world, 1)
    for client in (app.test_client(), _as(app, neighbour), _as(app, "resident_b"),
                   _as(app, "committee_a")):  # fmt: skip
        for served in (small, large):
            refused = _get(client, f"/media/{served}")
            assert refused.status_code == 404
            assert "public" not in refused.headers.get("Cache-Control", "")
    # Submitted, everyone sees it and any cache keeps it for a day, the variants too.
    post(author, f"/proposals/{pid}/submit", {})
    visitor = app.test_client()
    for served, size in ((small, (480, 360)), (large, (960, 720)), (name, (1600, 1200))):
        with visitor.get(f"/media/{served}") as shown:
            assert shown.status_code == 200 and _image_size(shown) == size
            assert shown.cache_control.public and shown.cache_control.max_age == 86400
            assert not shown.cache_control.no_store
    # The pages offer them: the proposal's page by srcset, the list's card the small one.
    page = _page(visitor, f"/proposals/{pid}")
    assert (
        f'srcset="/media/{small} 480w, /media/{large} 960w, /media/{name} 1600w" '
        'sizes="(max-width: 22rem) 100vw, (min-width: 40rem) 20rem, 50vw"'
    ) in page
    assert 'width="1600" height="1200"' in page
    listed = _page(visitor, f"/cycles/{cycle_id}")
    assert f'<img src="/media/{small}" srcset=' in listed and 'loading="lazy"' in listed


def test_a_name_that_is_no_variant_is_a_404(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    author = _as(app, "resident_a")
    _upload(author, pid, f.jpeg(1600, 1200))
    post(author, f"/proposals/{pid}/submit", {})
    with app.app_context():
        name = db.session.scalar(select(ProposalPhoto.filename).filter_by(proposal_id=pid))
    stem = name.removesuffix(".jpg")
    visitor = app.test_client()
    assert _get(visitor, f"/media/{variant_name(name, 480)}").status_code == 200
    for bad in (f"{stem}.w500.jpg", f"{stem}.w480.png", f"{stem}.w0480.jpg", f"{stem}.w.jpg",
                f"{'0' * 32}.w480.jpg", f"{stem}.w480.w480.jpg"):  # fmt: skip
        assert _get(visitor, f"/media/{bad}").status_code == 404, bad


def test_a_small_photo_is_not_upscaled(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    author = _as(app, "resident_a")
    _upload(author, pid, f.jpeg(640, 480))
    with app.app_context():
        name = db.session.scalar(select(ProposalPhoto.filename).filter_by(proposal_id=pid))
    with app.test_client().get(f"/media/{variant_name(name, 960)}") as shown:
        assert shown.status_code == 200 and _image_size(shown) == (640, 480)
    page = _page(app.test_client(), f"/proposals/{pid}")
    assert f'srcset="/media/{variant_name(name, 480)} 480w, /media/{name} 640w"' in page


def test_a_waiting_updates_photo_variant_is_as_private_as_the_photo(app, world):
    from microprojects.services import contracts

    with app.app_context():
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        member = db.session.get(User, world.ids["organization"])
        proposal, _, contract = f.contracted_project(
            place, committee, organization=member.organization_membership.organization
        )
        posted = contracts.post_supplier_update(
            member, contract, body="已安装6盏路灯。", progress_pct=50,
            photos=[("during", f.jpeg(1200, 900))], now=utcnow(),
        )  # fmt: skip
        name = db.session.scalar(
            select(ProgressPhoto.filename).where(ProgressPhoto.update_id == posted.id)
        )
        update_id, proposal_id = posted.id, proposal.id
    url = f"/media/{variant_name(name, 480)}"
    for who in (None, "resident_a", "committee_b"):
        visitor = app.test_client()
        if who:
            login(visitor, who)
        assert _get(visitor, url).status_code == 404, who
    for who in ("committee_a", "organization"):
        allowed = app.test_client()
        login(allowed, who)
        with allowed.get(url) as shown:
            assert shown.status_code == 200 and _image_size(shown) == (480, 360), who
            assert shown.headers["Cache-Control"] == "private, no-store"
    with app.app_context():
        committee = db.session.get(User, world.ids["committee_a"])
        contracts.approve_update(committee, db.session.get(ProgressUpdate, update_id), now=utcnow())
    public = _get(app.test_client(), url)
    assert public.status_code == 200 and public.cache_control.max_age == 86400
    page = _page(app.test_client(), f"/proposals/{proposal_id}")
    assert f"/media/{variant_name(name, 960)} 960w" in page and 'loading="lazy"' in page


def test_an_offers_photo_variant_follows_the_offers_rules(app, world):
    from microprojects.services import offers

    with app.app_context():
        member = db.session.get(User, world.ids["organization"])
        offer = offers.create_offer(
            member,
            offers.OfferInput(
                title="长者上门理发", description="理发师上门为行动不便的长者理发。",
                price_fen=30_00, unit="次", project_type=ProjectType.SERVICE,
                category="养老助老", capacity=2,
            ),
            photos=[f.jpeg(1200, 900)], now=utcnow(),
        )  # fmt: skip
        offer_id = offer.id
        photo_id = db.session.scalar(select(OfferPhoto.id).filter_by(offer_id=offer_id))
    base = f"/offers/{offer_id}/photos/{photo_id}"
    for who in (None, "resident_a", "committee_a"):
        visitor = app.test_client()
        if who:
            login(visitor, who)
        assert _get(visitor, f"{base}/w480").status_code == 404, who
    owner = app.test_client()
    login(owner, "organization")
    with owner.get(f"{base}/w480") as shown:
        assert shown.status_code == 200 and _image_size(shown) == (480, 360)
        assert shown.headers["Cache-Control"] == "private, no-store"
    with app.app_context():
        admin = db.session.get(User, world.ids["admin"])
        found = db.session.get(ServiceOffer, offer_id)
        offers.submit_offer(db.session.get(User, world.ids["organization"]), found, now=utcnow())
        offers.decide_offer(admin, found, approve=True, reason="", now=utcnow())
    visitor = app.test_client()
    with visitor.get(f"{base}/w960") as shown:
        assert shown.status_code == 200 and _image_size(shown) == (960, 720)
        assert "no-store" not in shown.headers.get("Cache-Control", "")
    for bad in ("w500", "w0", "x480", "w480/w480"):
        assert _get(visitor, f"{base}/{bad}").status_code == 404, bad
    assert _get(visitor, f"/offers/{offer_id}/photos/{photo_id + 1}/w480").status_code == 404
    menu = _page(visitor, "/offers")
    assert f'src="{base}/w480" srcset="{base}/w480 480w, {base}/w960 960w, {base} 1200w"' in menu
    detail = _page(visitor, f"/offers/{offer_id}")
    assert f"{base}/w960 960w" in detail
