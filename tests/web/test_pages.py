"""Public pages, response headers and error pages."""

from webclient import login


def test_public_pages_show_the_places(client, world):
    home = client.get("/").get_data(as_text=True)
    assert "振兴社区" in home and "白龙社区" in home
    assert "1 名认证居民" in home
    community = client.get(f"/c/{world.a_slug}").get_data(as_text=True)
    assert "和平南街道" in community
    assert "输入入户码" in community
    assert client.get("/c/no-such-place").status_code == 404


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(client, app, world):
    response = login(client, "resident_a")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain http; production sets it


def test_production_config_is_secure(monkeypatch, tmp_path):
    import pytest

    from microprojects.config import ProductionConfig

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("BALLOT_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    # No ballot key of its own making: every server must share one.
    with pytest.raises(RuntimeError, match="BALLOT_KEY"):
        ProductionConfig(str(tmp_path))
    assert not (tmp_path / "ballot_key").exists()
    monkeypatch.setenv("BALLOT_KEY", "a2V5LW9mLXRoaXJ0eS10d28tYnl0ZXMtZm9yLXRlc3Q=")
    config = ProductionConfig(str(tmp_path))
    assert config.SESSION_COOKIE_SECURE is True
    assert config.REMEMBER_COOKIE_SECURE is True


def test_no_asset_comes_from_outside(client):
    page = client.get("/").get_data(as_text=True)
    assert "http://" not in page.replace("http://localhost", "")
    assert "https://" not in page
    assert "<script" not in page


def test_database_outage_gives_a_clear_503(instance_dir):
    """A real unreachable server (nothing listens on port 9), not a simulated failure."""
    from microprojects import create_app
    from microprojects.config import TestConfig

    app = create_app(
        TestConfig("postgresql+psycopg://postgres@127.0.0.1:9/none", str(instance_dir))
    )
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "暂时无法使用" in response.get_data(as_text=True)
    assert app.test_client().get("/healthz").status_code == 503


def test_admin_adds_a_community_with_grids(app, client, world):
    from webclient import post

    login(client, "admin")
    response = post(
        client,
        "/admin/places",
        {
            "district": "美兰区",
            "street": "海甸街道",
            "community": "海达社区",
            "slug": "haida",
            "grids": "第一网格，第二网格、第三网格",
        },
    )
    assert response.status_code == 302
    page = client.get("/admin/places").get_data(as_text=True)
    assert "海达社区" in page
    assert "第一网格、第二网格、第三网格" in page
    bad = post(
        client,
        "/admin/places",
        {"district": "美兰区", "street": "海甸街道", "community": "x", "slug": "Bad Slug!"},
    )
    assert "短名为 2 至 59 位小写字母" in bad.get_data(as_text=True)
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "place.community" in audit


def test_a_community_page_lists_its_cycles_with_their_phase(app, client, world):
    import factories as f

    from microprojects.extensions import db
    from microprojects.models import Community, User

    with app.app_context():
        f.cycle(db.session.get(Community, world.a_id), db.session.get(User, world.ids["admin"]),
                phase="screening")  # fmt: skip
    page = client.get(f"/c/{world.a_slug}").get_data(as_text=True)
    assert "2026 年振兴社区微实事" in page
    assert "当前：协商审核" in page
    assert "2026 年振兴社区微实事" not in client.get(f"/c/{world.b_slug}").get_data(as_text=True)
