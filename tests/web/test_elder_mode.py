"""Elder mode (长辈模式): a switch on every page, kept with the account for one who logged in
and by the device for a visitor; and the receipt in groups of four, with a copy button."""

import re

import factories as f
import pytest
from webclient import csrf_token, login, post

from microprojects.extensions import db

ELDER = '<html lang="zh-CN" class="elder">'


def _elder_of(app, world, who: str) -> bool:
    from microprojects.models import User

    with app.app_context():
        return db.session.get(User, world.ids[who]).elder_mode


@pytest.mark.parametrize("path", ["/", "/cycles", "/communities", "/login", "/register"])
def test_every_page_has_the_switch(client, world, path):
    page = client.get(path).get_data(as_text=True)
    assert 'action="/elder"' in page and "长辈模式" in page
    assert 'aria-pressed="false"' in page and ELDER not in page


def test_a_visitors_choice_is_kept_by_the_device(app, client, world):
    answer = client.post("/elder", data={"elder": "on", "next": "/cycles"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/cycles"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("elder=1") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/").get_data(as_text=True)
    assert ELDER in page and 'aria-pressed="true"' in page and 'value="off"' in page
    # Another device knows nothing of it.
    assert ELDER not in app.test_client().get("/").get_data(as_text=True)
    client.post("/elder", data={"elder": "off"})
    assert ELDER not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("value", ["", "1", "ON", "maybe"])
def test_a_switch_with_no_known_value_is_refused(client, world, value):
    assert client.post("/elder", data={"elder": value}).status_code == 400


def test_the_switch_never_leads_off_the_site(client, world):
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        answer = client.post("/elder", data={"elder": "on", "next": evil})
        assert answer.headers["Location"] == "/", evil


def test_an_accounts_choice_is_kept_with_the_account(app, client, world):
    login(client, "resident_a")
    # Without the form's token a logged-in switch is refused, and nothing changes.
    assert client.post("/elder", data={"elder": "on"}).status_code == 400
    assert not _elder_of(app, world, "resident_a")
    post(client, "/elder", {"elder": "on"})
    assert _elder_of(app, world, "resident_a")
    assert ELDER in client.get("/").get_data(as_text=True)
    # On another device, once logged in, the pages are in elder mode too; not for others.
    phone = app.test_client()
    login(phone, "resident_a")
    assert ELDER in phone.get("/cycles").get_data(as_text=True)
    other = app.test_client()
    login(other, "resident_b")
    assert ELDER not in other.get("/").get_data(as_text=True)
    assert not _elder_of(app, world, "resident_b")


def test_the_account_page_has_the_setting(app, client, world):
    login(client, "resident_a")
    page = client.get("/account").get_data(as_text=True)
    assert 'id="display"' in page and 'action="/account/elder"' in page
    answer = post(client, "/account/elder", {"elder": "y"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/account#display")
    assert _elder_of(app, world, "resident_a")
    page = client.get("/account").get_data(as_text=True)
    assert "已开启长辈模式" in page
    assert re.search(r'<input(?=[^>]*name="elder")[^>]*\bchecked\b', page)
    # An unticked box is sent as nothing: it turns the mode off.
    post(client, "/account/elder", {})
    assert not _elder_of(app, world, "resident_a")
    page = client.get("/account").get_data(as_text=True)
    assert not re.search(r'<input(?=[^>]*name="elder")[^>]*\bchecked\b', page)
    # Replayed without the token (another site's form) it does nothing.
    client.post("/account/elder", data={"elder": "y"})
    assert not _elder_of(app, world, "resident_a")


def test_the_account_setting_needs_a_login(client, world):
    answer = client.post("/account/elder", data={"elder": "y", "csrf_token": csrf_token(client)})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_elder_mode_folds_the_secondary_details(app, client, world):
    from microprojects.models import Community, User

    with app.app_context():
        admin = db.session.get(User, world.ids["admin"])
        cycle_id = f.cycle(db.session.get(Community, world.a_id), admin).id
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert '<details class="folded">' not in page
    client.post("/elder", data={"elder": "on"})
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    folded = page.split('<details class="folded">')[1].split("</details>")[0]
    assert "单个项目上限" in folded and "预算和规则" in folded
    assert page.index("欢迎提议") < page.index('<details class="folded">')
    home = client.get("/").get_data(as_text=True)
    assert "了解流程和各社区" in home.split('<details class="folded">')[1]


def test_the_receipt_is_in_groups_of_four_with_a_copy_button(app, client, world):
    from microprojects.models import Community, User

    with app.app_context():
        admin = db.session.get(User, world.ids["admin"])
        c, projects = f.voting_cycle(db.session.get(Community, world.a_id), admin)
        cycle_id, project = c.id, str(projects[0].id)
    login(client, "resident_a")
    review = post(client, f"/cycles/{cycle_id}/vote/review", {"p": [project]})
    token = re.search(r'name="token" value="([^"]+)"', review.get_data(as_text=True)).group(1)
    shown = post(client, f"/cycles/{cycle_id}/vote/cast", {"token": token}).get_data(as_text=True)
    receipt = re.search(r'data-copy="([A-Z0-9-]{19})"', shown).group(1)
    groups = re.findall(r'<span class="group">([A-Z0-9]{4})[<]', shown)
    assert groups == receipt.split("-") and all(len(g) == 4 for g in groups)
    # The button waits for the script (which shows it only where the clipboard can be written).
    assert re.search(r"<button[^>]*data-copy[^>]*hidden", shown)
    # Selected and copied by hand, the code reads as written: the dashes are text.
    text = re.sub(r"<[^>]+>", "", shown.split('id="receipt-code"')[1].split("</p>")[0])
    assert text.split(">", 1)[1].strip() == receipt
    # The check page shows the code the same way.
    checked = post(client, f"/cycles/{cycle_id}/check", {"code": receipt.lower().replace("-", "")})
    again = re.findall(r'<span class="group">([A-Z0-9]{4})[<]', checked.get_data(as_text=True))
    assert again == groups


def test_the_receipt_follows_the_devices_elder_mode(app, client, world):
    """The receipt answers the cast and reads nothing more of the account: it follows the
    device's cookie, which the account's pages keep in step."""
    from microprojects.models import Community, User

    with app.app_context():
        admin = db.session.get(User, world.ids["admin"])
        c, projects = f.voting_cycle(db.session.get(Community, world.a_id), admin)
        cycle_id, project = c.id, str(projects[0].id)
    login(client, "resident_a")
    post(client, "/elder", {"elder": "on"})
    # A second device where the account logs in gets the cookie from its first page.
    phone = app.test_client()
    login(phone, "resident_a")
    first = phone.get("/")
    assert "elder=1" in first.headers.get("Set-Cookie", "")
    review = post(phone, f"/cycles/{cycle_id}/vote/review", {"p": [project]})
    token = re.search(r'name="token" value="([^"]+)"', review.get_data(as_text=True)).group(1)
    shown = post(phone, f"/cycles/{cycle_id}/vote/cast", {"token": token}).get_data(as_text=True)
    assert ELDER in shown


def test_elder_mode_folds_a_projects_records_not_its_talk(app, client, world):
    from microprojects.models import Community, User

    with app.app_context():
        admin = db.session.get(User, world.ids["admin"])
        _, projects = f.voting_cycle(db.session.get(Community, world.a_id), admin)
        proposal_id = projects[0].id
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert '<details class="folded">' not in page and 'id="decisions"' in page
    client.post("/elder", data={"elder": "on"})
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    folded = page.split('<details class="folded">')[1].split("</details>")[0]
    assert "评估与决定记录" in folded and 'id="decisions"' in folded
    assert 'id="comments"' not in folded and 'id="comments"' in page
