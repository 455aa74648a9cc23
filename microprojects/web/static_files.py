"""The stylesheet, scripts and icon as a phone on a slow connection wants them: compressed, and
kept by the browser until they change.

- Every address ``url_for('static', filename=...)`` makes carries ``v=``, the start of the file's
  SHA-256. A request naming the current version is answered as never changing
  (``public, max-age=31536000, immutable``): the next page needs no request for it at all, where
  Flask's default (``no-cache``) costs a round trip per page to hear that nothing changed. When
  the file changes its address changes, so nobody keeps an old one. An address without ``v`` or
  with an old one keeps Flask's default.
- CSS, JavaScript and SVG go gzip-compressed to a client that accepts it (each file compressed
  once per process and kept in memory, keyed by its modification time), with
  ``Vary: Accept-Encoding`` and a weak ETag, as a compressing proxy would send them. Behind a
  proxy that compresses, it finds them compressed already and passes them on.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.security import safe_join

COMPRESSED_TYPES = frozenset(
    {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}
)
FOREVER = "public, max-age=31536000, immutable"


def register(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_compress_and_keep)


def _path(filename: str) -> str | None:
    folder = current_app.static_folder
    found = None if folder is None else safe_join(folder, filename)
    return found if found is not None and os.path.isfile(found) else None


def _stamp(path: str) -> tuple[str, int, int]:
    stat = os.stat(path)
    return path, stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=64)
def _version_of(stamp: tuple[str, int, int]) -> str:
    with open(stamp[0], "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


@lru_cache(maxsize=64)
def _gzipped(stamp: tuple[str, int, int]) -> bytes:
    with open(stamp[0], "rb") as file:
        return gzip.compress(file.read(), compresslevel=9, mtime=0)


def version(filename: str) -> str | None:
    """The current version of a static file, or None if there is no such file."""
    path = _path(filename)
    return None if path is None else _version_of(_stamp(path))


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        found = version(values["filename"])
        if found is not None:
            values["v"] = found


def _compress_and_keep(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code != 200:
        return response
    path = _path((request.view_args or {}).get("filename", ""))
    if path is None:
        return response
    stamp = _stamp(path)
    if request.args.get("v") == _version_of(stamp):
        response.headers["Cache-Control"] = FOREVER
        response.headers.pop("Expires", None)
    if response.mimetype not in COMPRESSED_TYPES or "Range" in request.headers:
        return response
    response.vary.add("Accept-Encoding")
    if "gzip" not in request.accept_encodings:
        return response
    body = _gzipped(stamp)
    if hasattr(response.response, "close"):
        response.response.close()
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response
