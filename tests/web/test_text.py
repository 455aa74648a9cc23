"""microprojects.web.text: proposal descriptions rendered as safe HTML, and plain excerpts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from microprojects.web.text import ALLOWED_TAGS, LINK_REL, plain_excerpt, render_markdown


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def tags(html: str) -> list[str]:
    return [tag for tag, _attrs in elements(html)]


def hrefs(html: str) -> list[str | None]:
    return [attrs.get("href") for tag, attrs in elements(html) if tag == "a"]


# --- what residents write -------------------------------------------------------------------


def test_plain_text_keeps_its_line_breaks_and_paragraphs() -> None:
    html = render_markdown("第一行\n第二行\n\n新的一段")
    assert html == "<p>第一行<br>\n第二行</p>\n<p>新的一段</p>"


def test_chinese_text_is_left_as_it_is() -> None:
    text = (
        "建议在幸福路小区门口增设无障碍坡道，方便老人和推婴儿车的家长出入。预计约3万元（含人工）。"
    )
    assert render_markdown(text) == f"<p>{text}</p>"


def test_markdown_emphasis_lists_quotes_and_code() -> None:
    html = render_markdown(
        "**重要**与*强调*，~~旧方案~~\n\n- 坡道\n- 扶手\n\n1. 设计\n2. 施工\n\n> 居民意见\n\n"
        "`代码`\n\n```\nblock\n```\n\n---"
    )
    assert "<strong>重要</strong>" in html
    assert "<em>强调</em>" in html
    assert "<del>旧方案</del>" in html
    assert "<ul>\n<li>坡道</li>\n<li>扶手</li>\n</ul>" in html
    assert "<ol>\n<li>设计</li>" in html
    assert "<blockquote>\n<p>居民意见</p>\n</blockquote>" in html
    assert "<code>代码</code>" in html
    assert "<pre><code>block\n</code></pre>" in html
    assert "<hr>" in html


def test_tables_render_without_inline_styles() -> None:
    html = render_markdown("| 项目 | 费用 |\n|:--|--:|\n| 坡道 | 30000 |\n| 扶手 | 5000 |")
    rows = ["tr", "th", "th", "tbody", "tr", "td", "td", "tr", "td", "td"]
    assert tags(html) == ["table", "thead", *rows]
    assert "<th>项目</th>" in html and "<td>30000</td>" in html
    assert "style" not in html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("# 大标题", "<h3>大标题</h3>"),
        ("## 小标题", "<h4>小标题</h4>"),
        ("### 三级", "<h4>三级</h4>"),
        ("###### 六级", "<h4>六级</h4>"),
        ("大标题\n===", "<h3>大标题</h3>"),
        ("小标题\n---", "<h4>小标题</h4>"),
    ],
)
def test_headings_are_demoted(source: str, expected: str) -> None:
    assert render_markdown(source) == expected


def test_links_keep_their_address_and_get_rel() -> None:
    html = render_markdown(
        "[街道公告](https://example.org/notice?id=1&x=2) 或 <mailto:a@example.org>"
    )
    assert hrefs(html) == ["https://example.org/notice?id=1&x=2", "mailto:a@example.org"]
    links = [attrs for tag, attrs in elements(html) if tag == "a"]
    assert [attrs["rel"] for attrs in links] == [LINK_REL, LINK_REL]
    assert all(attrs.keys() == {"href", "rel"} for attrs in links)


def test_images_become_links_to_the_picture() -> None:
    html = render_markdown("![现场照片](https://example.org/p.jpg) ![](https://example.org/q.jpg)")
    assert "img" not in tags(html)
    assert hrefs(html) == ["https://example.org/p.jpg", "https://example.org/q.jpg"]
    assert ">现场照片</a>" in html
    assert ">https://example.org/q.jpg</a>" in html


def test_empty_input_renders_nothing() -> None:
    assert render_markdown("") == ""
    assert render_markdown("  \n\n ") == ""


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)" onclick="alert(1)">点我</a>',
        "<iframe src=https://evil.example></iframe>",
        "<style>body{display:none}</style>",
        '<div style="position:fixed">覆盖</div>',
        "<svg onload=alert(1)>",
        "段落<script>alert(1)</script>里面",
        "> <script>alert(1)</script>",
        "- <img src=x onerror=alert(1)>",
    ],
)
def test_raw_html_is_shown_as_text(source: str) -> None:
    html = render_markdown(source)
    assert "<script" not in html
    assert set(tags(html)) <= {"p", "blockquote", "ul", "li"}
    assert not any(name.startswith("on") for _t, attrs in elements(html) for name in attrs)
    assert "&lt;" in html  # escaped and visible, not silently dropped


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x73;cript:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x]( javascript:alert(1))",
        "<javascript:alert(1)>",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "[x](file:///etc/passwd)",
        "[x][r]\n\n[r]: javascript:alert(1)",
    ],
)
def test_dangerous_link_schemes_never_become_hrefs(source: str) -> None:
    html = render_markdown(source)
    assert all(href is None for href in hrefs(html)), html
    assert 'href="' not in html


@pytest.mark.parametrize("source", ["[站内](/proposals/3)", "[x](//evil.example/)", "[x](#top)"])
def test_relative_links_lose_their_href(source: str) -> None:
    assert hrefs(render_markdown(source)) in ([None], [])


def test_output_only_ever_uses_the_allowed_tags() -> None:
    source = (
        "# h\n\n**b** *i* ~~s~~ `c` [l](https://example.org) ![p](https://example.org/p.png)\n\n"
        "> q\n\n- u\n\n1. o\n\n```\npre\n```\n\n---\n\n| a |\n|---|\n| b |\n\n"
        "<b>raw</b> <table><tr><td>raw</td></tr></table>"
    )
    assert set(tags(render_markdown(source))) <= ALLOWED_TAGS


# --- excerpts ---------------------------------------------------------------------------------


def test_excerpt_strips_markdown_and_collapses_whitespace() -> None:
    source = (
        "# 无障碍坡道\n\n在**幸福路**小区门口，  增设[坡道](https://example.org)。\n\n- 扶手\n- 灯"
    )
    assert plain_excerpt(source) == "无障碍坡道 在幸福路小区门口， 增设坡道。 扶手 灯"


def test_excerpt_keeps_short_text_whole() -> None:
    assert plain_excerpt("修缮凉亭") == "修缮凉亭"
    assert plain_excerpt("") == ""


def test_excerpt_of_table_and_code_reads_their_text() -> None:
    assert plain_excerpt("| 项目 | 费用 |\n|--|--|\n| 坡道 | 3万 |\n\n```\nx = 1\n```") == (
        "项目 费用 坡道 3万 x = 1"
    )


def test_excerpt_is_cut_with_an_ellipsis_within_length() -> None:
    text = "为老人" * 100
    excerpt = plain_excerpt(text, length=20)
    assert len(excerpt) == 20
    assert excerpt == text[:19] + "…"


def test_excerpt_does_not_cut_latin_words_in_half() -> None:
    excerpt = plain_excerpt("Install a wheelchair ramp at the main gate of the estate", length=30)
    assert excerpt == "Install a wheelchair ramp at…"
    assert len(excerpt) <= 30


def test_excerpt_does_not_end_on_a_comma() -> None:
    assert plain_excerpt("一二三四五，六七八九十一二三", length=7) == "一二三四五…"


def test_excerpt_shows_raw_html_as_the_literal_text_it_is() -> None:
    # Like render_markdown, which shows it escaped: the template escapes the excerpt.
    assert plain_excerpt("<b>重要</b>通知") == "<b>重要</b>通知"


def test_excerpt_length_must_be_positive() -> None:
    with pytest.raises(ValueError):
        plain_excerpt("x", length=0)
