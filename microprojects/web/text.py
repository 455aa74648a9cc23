"""Residents' proposal descriptions: plain text or Markdown, rendered safely.

:func:`render_markdown` gives sanitized HTML for a proposal page; :func:`plain_excerpt` a short
plain-text summary for lists and cards. Two layers keep the HTML inert: markdown-it-py parses
with ``html=False``, so raw HTML typed by a resident is shown as text, and nh3 then allows only a
small set of tags and ``href`` with http/https/mailto on links, so nothing that slips through the
parser (or a future change of its options) can add scripts, styles, images or event handlers.

Choices the web layer should know:

* The result is a ``str`` of safe HTML; the template has to mark it safe (``Markup(...)``).
* Line breaks typed by the resident are kept (``breaks=True``): most descriptions are plain text
  written on a phone, not Markdown.
* Headings are demoted so a proposal cannot shout: ``#`` becomes ``<h3>``, every deeper level
  ``<h4>``.
* Images are not embedded (no third-party requests from our pages, no tracking pixels):
  ``![alt](url)`` renders as a link to the picture, its text the alt text.
* Only absolute links (http, https, mailto) are kept; relative ones lose their ``href``. Every
  link gets ``rel="nofollow noopener noreferrer"``.

Nothing here imports Flask, SQLAlchemy or any other part of the project.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Final

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS: Final = frozenset(
    {
        "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4",
        "a", "table", "thead", "tbody", "tr", "th", "td", "del", "hr",
    }
)  # fmt: skip
LINK_SCHEMES: Final = frozenset({"http", "https", "mailto"})
LINK_REL: Final = "nofollow noopener noreferrer"
ELLIPSIS: Final = "…"

_md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).enable(
    ["table", "strikethrough"]
)

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}},
    url_schemes=set(LINK_SCHEMES),
    url_relative="deny",
    link_rel=LINK_REL,
)

# Every heading level is demoted, so a user's "###" does not come out as big as their "#".
_HEADING_TAGS: Final = {"h1": "h3", "h2": "h4", "h3": "h4", "h4": "h4", "h5": "h4", "h6": "h4"}


def render_markdown(text: str) -> str:
    """Sanitized HTML for a description written as plain text or Markdown."""
    if not text or not text.strip():
        return ""
    tokens = _md.parse(text)
    for token in tokens:
        _rename(token)
        if token.children:
            token.children = _images_as_links(token.children)
            for child in token.children:
                _rename(child)
    html = _md.renderer.render(tokens, _md.options, {})
    return _cleaner.clean(html).strip()


def _rename(token: Token) -> None:
    if token.type in ("heading_open", "heading_close"):
        token.tag = _HEADING_TAGS[token.tag]
    elif token.type in ("s_open", "s_close"):
        # markdown-it's strikethrough writes <s>; the allowed tag is <del>.
        token.tag = "del"


def _images_as_links(children: list[Token]) -> list[Token]:
    """``![alt](url)`` becomes a link to the picture, its text the alt text (or the URL)."""
    result: list[Token] = []
    for child in children:
        if child.type != "image":
            result.append(child)
            continue
        src = str(child.attrGet("src") or "")
        link_open = Token("link_open", "a", 1, attrs={"href": src})
        label = child.children or [Token("text", "", 0, content=src)]
        result.extend([link_open, *label, Token("link_close", "a", -1)])
    return result


@functools.lru_cache(maxsize=4096)
def plain_excerpt(text: str, length: int = 120) -> str:
    """The description as one line of plain text: Markdown syntax stripped (link text kept, URLs
    dropped), whitespace collapsed, at most ``length`` characters ending with "…" if cut.

    The result is plain text, not HTML: templates escape it as usual. Raw HTML typed by the
    resident stays as the literal characters they typed."""
    if length < 1:
        raise ValueError("length must be at least 1")
    plain = " ".join("".join(_texts(_md.parse(text or ""))).split())
    if len(plain) <= length:
        return plain
    return _cut(plain, length - len(ELLIPSIS)) + ELLIPSIS


def _texts(tokens: Sequence[Token]) -> list[str]:
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline", "code_block", "fence"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak") or (token.block and token.nesting == -1):
            # Block ends too: "<p>a</p><p>b</p>" must read "a b", not "ab".
            parts.append(" ")
        if token.children:
            parts.extend(_texts(token.children))
    return parts


def _cut(plain: str, limit: int) -> str:
    head = plain[:limit]
    if limit < len(plain) and _is_word_char(plain[limit]) and _is_word_char(head[-1:]):
        # Mid-word in Latin script: back off to the last space, unless that loses too much.
        # Chinese has no spaces and is cut anywhere.
        space = head.rfind(" ")
        if space >= limit * 0.7:
            head = head[:space]
    return head.rstrip(" ,;:，、；：")


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()
