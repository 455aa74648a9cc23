"""The stylesheet, scripts and icon: addressed by version and then kept for good, sent
compressed to a browser that accepts it, and the same bytes once decompressed."""

import gzip
import hashlib
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "static"


def _version(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_pages_address_static_files_by_their_version(client):
    page = client.get("/login").get_data(as_text=True)
    assert f'href="/static/css/app.css?v={_version("css/app.css")}"' in page
    assert f'href="/static/favicon.svg?v={_version("favicon.svg")}"' in page


@pytest.mark.parametrize(
    ("name", "mimetype"),
    [("css/app.css", "text/css"), ("js/ballot.js", "text/javascript"),
     ("favicon.svg", "image/svg+xml")],
)  # fmt: skip
def test_compressed_for_who_accepts_it_and_kept_for_good(client, name, mimetype):
    original = (STATIC / name).read_bytes()
    url = f"/static/{name}?v={_version(name)}"
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"}) as sent:
        assert sent.status_code == 200 and sent.mimetype == mimetype
        assert sent.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in sent.headers["Vary"]
        body = sent.get_data()
        assert int(sent.headers["Content-Length"]) == len(body)
        assert gzip.decompress(body) == original
        if name == "css/app.css":
            assert len(body) < len(original) / 3
        assert sent.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert sent.headers["ETag"].startswith('W/"')
    with client.get(url, headers={"Accept-Encoding": "identity"}) as plain:
        assert "Content-Encoding" not in plain.headers
        assert plain.get_data() == original
        assert "Accept-Encoding" in plain.headers["Vary"]


def test_an_old_or_missing_version_is_not_kept_for_good(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        with client.get(url) as sent:
            assert sent.status_code == 200
            assert "immutable" not in sent.headers["Cache-Control"]
            assert "no-cache" in sent.headers["Cache-Control"]


def test_a_revalidation_of_the_compressed_file_is_answered_not_modified(client):
    url = f"/static/css/app.css?v={_version('css/app.css')}"
    headers = {"Accept-Encoding": "gzip"}
    with client.get(url, headers=headers) as sent:
        etag = sent.headers["ETag"]
    with client.get(url, headers={**headers, "If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.get_data() == b""


def test_a_missing_file_is_still_a_404(client):
    assert client.get("/static/css/nothing.css").status_code == 404
