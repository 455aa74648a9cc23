import io
from pathlib import Path

import factories as f
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale
from webclient import login, post

from microprojects.services.errors import ErrorCode
from microprojects.web.messages import SERVICE_MESSAGES, service_message

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "microprojects/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")


def test_chinese_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "居民自己定的民生小事" in page


def test_the_browser_preference_is_followed(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Small works that residents choose" in page


def test_switching_language_on_any_page_and_back(client, app):
    response = post(client, "/lang", {"lang": "en", "next": "/communities"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/communities"
    assert "Communities" in client.get("/communities").get_data(as_text=True)
    post(client, "/lang", {"lang": "zh_CN", "next": "/"})
    assert "居民自己定的民生小事" in client.get("/").get_data(as_text=True)
    assert post(client, "/lang", {"lang": "fr"}).status_code == 400


def test_a_logged_in_choice_is_remembered_on_the_account(app):
    with app.app_context():
        f.user("wang")
    first = app.test_client()
    login(first, "wang")
    post(first, "/lang", {"lang": "en"})
    second = app.test_client()
    login(second, "wang")
    assert "My account" in second.get("/account").get_data(as_text=True)


def test_a_visitor_switches_without_a_token_an_account_only_with_one(app):
    visitor = app.test_client()
    page = visitor.get("/communities")
    assert "csrf_token" not in page.get_data(as_text=True)  # a visitor's page carries none
    assert page.headers.getlist("Set-Cookie") == []  # nor sets a cookie
    answer = visitor.post("/lang", data={"lang": "en", "next": "/communities"})
    assert answer.status_code == 302
    assert "Communities" in visitor.get("/communities").get_data(as_text=True)
    with app.app_context():
        f.user("wang")
    member = app.test_client()
    login(member, "wang")
    refused = member.post("/lang", data={"lang": "en", "next": "/"})
    assert refused.status_code == 400  # forged from another site: the account keeps its choice
    assert "我的账号" in member.get("/account").get_data(as_text=True)


def test_error_pages_are_translated(client):
    assert "页面不存在" in client.get("/no-such-page").get_data(as_text=True)
    post(client, "/lang", {"lang": "en"})
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)


def _catalog():
    with PO.open("rb") as fh:
        return read_po(fh)


def test_every_string_in_the_code_is_in_the_chinese_catalog():
    catalog = _catalog()
    method_map = [("microprojects/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    missing = []
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        if entry is None:
            missing.append(msgid)
    assert missing == [], "run pybabel extract/update (see README) and translate these"


def test_every_chinese_entry_is_translated_and_not_fuzzy():
    untranslated = [
        m.id
        for m in _catalog()
        if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))
    ]
    assert untranslated == []


def test_the_compiled_catalog_matches_the_source():
    buffer = io.BytesIO()
    write_mo(buffer, _catalog())
    assert MO.read_bytes() == buffer.getvalue(), (
        "run: pybabel compile -d microprojects/translations"
    )


def test_every_audited_action_has_a_label():
    import re

    from microprojects.web.messages import AUDIT_ACTIONS

    source = "".join(p.read_text() for p in (ROOT / "microprojects").rglob("*.py"))
    recorded = set(re.findall(r'record\(\s*\w+,\s*"([a-z_]+\.[a-z_]+)"', source))
    assert recorded, "no audit.record calls found: the pattern is stale"
    assert recorded - set(AUDIT_ACTIONS) == set()


def test_every_stored_rule_has_its_words_in_both_languages(app):
    """A rule a cycle can hold is worded on its pages; a files-only rule never reaches a page."""
    from flask_babel import force_locale

    from microprojects.domain.tally import OFFERED_RULES
    from microprojects.domain.tally import STORED_RULES as RULES
    from microprojects.web.explain import RULE_NAMES, RULE_TEXTS
    from microprojects.web.forms.voting import VotingSettingsForm

    catalog = _catalog()
    for words in (RULE_NAMES, RULE_TEXTS):
        assert set(words) == set(RULES)
        with app.test_request_context():
            for name in RULES:
                english = words[name]._args[0]
                with force_locale("en"):
                    assert str(words[name]) == english
                chinese = catalog.get(english)
                assert chinese is not None and chinese.string, name
                with force_locale("zh_CN"):
                    assert str(words[name]) == chinese.string
    with app.test_request_context():
        choices = VotingSettingsForm(meta={"csrf": False}).tally_rule.choices
        assert [choice.value for choice in choices] == list(OFFERED_RULES)


def _has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_service_error_code_is_worded_in_both_languages(app):
    # An invalid ballot is worded problem by problem (ballot_problem), never by its code.
    worded_elsewhere = {ErrorCode.BALLOT_INVALID}
    assert set(ErrorCode) - worded_elsewhere - set(SERVICE_MESSAGES) == set()
    assert set(SERVICE_MESSAGES) & worded_elsewhere == set()
    unworded = []
    with app.test_request_context():
        for code in sorted(set(ErrorCode) - worded_elsewhere):
            with force_locale("en"):
                english = service_message(code)
            with force_locale("zh_CN"):
                chinese = service_message(code)
            if english.startswith("Something went wrong") or _has_chinese(english):
                unworded.append((code.value, "en", english))
            if not _has_chinese(chinese):
                unworded.append((code.value, "zh-CN", chinese))
    assert unworded == []


def test_a_code_given_as_text_finds_the_same_words(app):
    with app.test_request_context(), force_locale("en"):
        assert service_message("not_collecting") == service_message(ErrorCode.NOT_COLLECTING)
        assert service_message("no_such_code").startswith("Something went wrong")
