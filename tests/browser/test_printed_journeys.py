"""The paper artefacts, printed to PDF by Chromium as a committee member would print them: the
paper ballot (one A4 page for ten projects, two beyond), the shortlist notice, the 公示 notice of
the count, a project's completion notice and the cycle's archive (台账). Each PDF's text is read
back (pdftotext) and its pages are turned into PNGs (pdftoppm) beside the screenshots."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import factories as f
import pytest
from webclient import SHOTS, axe_problems, log_in, need_axe, shot

TOOLS = ("pdftoppm", "pdftotext", "pdfinfo")

TITLES = (
    "报刊亭旁放两张石凳",
    "幸福巷安装路灯",
    "老年人智能手机课堂",
    "三号楼楼道加装扶手",
    "社区广场增设遮阳棚",
    "儿童游乐区地面改造",
    "垃圾分类亭夜间照明",
    "菜市场门口划设非机动车位",
    "健身路径器材更换",
    "老旧小区单元门禁维修",
    "社区图书角添置书架",
    "雨水井盖更换防滑款",
)


@pytest.fixture(autouse=True)
def _need_poppler() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"poppler-utils are needed ({', '.join(missing)}): apt-get install poppler-utils"
        )


def printed(page: Any, name: str, tmp_path: Path) -> tuple[int, str]:
    """Print ``page`` to an A4 PDF as Chromium prints it; keep each page as a PNG under
    test-artifacts/screenshots/ (print-NAME-1.png, ...). Returns the page count and the text."""
    pdf = tmp_path / f"{name}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob(f"print-{name}-[0-9]*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(pdf), str(SHOTS / f"print-{name}")], check=True
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return pages, text


def flat(text: str) -> str:
    """The PDF's text without the spaces and line breaks the layout puts in."""
    return re.sub(r"\s+", "", text)


def _ballot_cycle(app: Any, n: int, **overrides: Any) -> tuple[int, str, list[tuple[str, int]]]:
    """A cycle of community A in voting now, with ``n`` approved projects (cost 3,000 yuan
    more each time). Returns its id, the community's slug and (title, cost in yuan) of each."""
    from microprojects.extensions import db
    from microprojects.services import proposals

    with app.app_context():
        w = f.world()
        c = f.cycle(w.a, w.committee_a, phase="voting")
        for key, value in overrides.items():  # the voting settings, fixed before voting
            setattr(c, key, value)
        db.session.commit()
        author = f.verified_resident("author", w.a, w.committee_a, "提议人", "9栋1单元101")
        made = []
        for i, title in enumerate(TITLES[:n]):
            p = proposals.create_proposal(
                author, c,
                f.proposal_input(title=title, estimated_cost_fen=(i + 1) * 3_000_00,
                                 description=f"{title}：居民反映多年，问题集中在早晚高峰。"),
                submit=True, now=c.collecting_at + timedelta(hours=i + 1),
            )  # fmt: skip
            f.approved(w.committee_a, p, now=c.screening_at + timedelta(hours=1))
            made.append((title, (i + 1) * 3_000))
        return c.id, w.a.slug, made


def test_paper_ballot_fits_one_page_and_says_where_and_how(page, fresh_db, watch, tmp_path):
    cycle_id, slug, made = _ballot_cycle(fresh_db, 10, ballot_max=3)
    # The committee says where and when paper ballots are cast, on its print page.
    log_in(page, "committee_a")
    page.goto(f"/c/{slug}/committee/cycles/{cycle_id}/print")
    where = "社区党群服务中心一楼大厅，每天 8:30–17:30"
    page.get_by_label("纸质投票的地点和时间").fill(where)
    page.get_by_role("button", name="保存").click()
    assert "已保存，纸质选票上会印出。" in page.locator("main").inner_text()
    shot(page, "print-committee")
    page.get_by_role("link", name="纸质选票").click()
    assert page.get_by_role("button", name="打印").is_visible()
    shot(page, "print-ballot-screen")

    pages, text = printed(page, "ballot", tmp_path)
    assert pages == 1
    body = flat(text)
    for title, cost in made:
        assert title in body and f"{cost:,}元" in body
    assert "本选票不记名" in body
    assert where.replace(" ", "") in body
    assert "至少勾选1个、最多勾选3个项目。" in body and "勾选超过3个" in body
    assert "菜单" not in body and "退出" not in body  # no navigation, no print help
    assert f"/cycles/{cycle_id}" in body  # the URL under the QR code
    # The QR code is at least 25 mm wide on paper.
    width = page.evaluate(
        "() => document.querySelector('.paper-qr-code svg').getBoundingClientRect().width"
    )
    assert width >= 25 / 25.4 * 96


def test_a_long_ballot_flows_to_a_second_page_without_splitting_a_project(
    page, fresh_db, watch, tmp_path
):
    cycle_id, _, made = _ballot_cycle(fresh_db, 12, ballot_kind="points", points_total=10)
    page.goto(f"/cycles/{cycle_id}/print/ballot")  # public: voting is open
    pages, text = printed(page, "ballot-long", tmp_path)
    assert pages == 2
    first, second = (flat(part) for part in text.split("\f")[:2])
    for title, cost in made:  # every project whole on one page
        assert (title in first) != (title in second)
        where = first if title in first else second
        assert f"{cost:,}元" in where
    assert "分数合计正好10分。" in first and "以下情况为废票" in second
    # On a phone the same page reads without sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "print-ballot-phone")


def test_shortlist_notice_lists_the_ballot_and_the_reasons(page, fresh_db, watch, tmp_path):
    from microprojects.services import proposals

    with fresh_db.app_context():
        w = f.world()
        c = f.cycle(w.a, w.committee_a, phase="voting")
        author = f.verified_resident("author", w.a, w.committee_a, "提议人", "9栋1单元101")

        def propose(title: str, hour: int):
            return proposals.create_proposal(
                author, c, f.proposal_input(title=title), submit=True,
                now=c.collecting_at + timedelta(hours=hour),
            )  # fmt: skip

        kept, lamp, dup, far = (propose(t, i) for i, t in enumerate(
            ("报刊亭旁放两张石凳", "幸福巷安装路灯", "幸福巷路灯", "跨区修路")))  # fmt: skip
        when = c.screening_at + timedelta(hours=1)
        f.approved(w.committee_a, kept, now=when)
        f.approved(w.committee_a, lamp, now=when)
        proposals.merge(w.committee_a, dup, lamp, note="与幸福巷安装路灯重复", now=when)
        f.rejected(w.committee_a, far, reason="超出本社区范围，已转街道", now=when)
        cycle_id = c.id
    page.goto(f"/cycles/{cycle_id}/print/shortlist")
    pages, text = printed(page, "shortlist", tmp_path)
    body = flat(text)
    assert pages == 1
    assert "入选项目公示" in body and "2个项目列入投票" in body
    assert "已并入“幸福巷安装路灯”。与幸福巷安装路灯重复" in body
    assert "超出本社区范围，已转街道" in body


def test_results_notice_prints_the_count_its_digest_and_how_to_object(
    page, fresh_db, watch, tmp_path
):
    with fresh_db.app_context():
        w = f.world()
        c, made, count = f.counted_cycle(w.a, w.committee_a)
        cycle_id, digest = c.id, count.ballots_digest
        titles = [p.display_title for p in made]
    page.goto(f"/cycles/{cycle_id}/results")
    page.get_by_role("link", name="打印公示").click()
    shot(page, "print-results-screen")
    pages, text = printed(page, "results", tmp_path)
    body = flat(text)
    assert pages == 1
    assert digest in body
    assert titles[0] in body and titles[1] in body  # funded
    assert titles[2][:6] in body  # not funded: its name may wrap in its narrower column
    assert "10,000元" in body and "20,000元" in body  # the funded projects' costs
    assert "异议期" in body and "居务协商会办公室" in body and "3人投票" in body
    assert f"/cycles/{cycle_id}/results" in body


def test_completion_notice_and_archive(page, fresh_db, watch, tmp_path):
    from microprojects.services import counting

    with fresh_db.app_context():
        w = f.world()
        project, _ = f.implemented_project(w.a, w.committee_a)
        project_id, cycle_id, slug = project.id, project.cycle_id, w.a.slug
        digest = counting.latest_count(project.cycle).ballots_digest
    page.goto(f"/proposals/{project_id}")
    page.get_by_role("link", name="打印完工公示").click()
    pages, text = printed(page, "completion", tmp_path)
    body = flat(text)
    assert pages == 1
    assert "海口市美兰区某建筑公司" in body and "18,000元" in body and "10,000元" in body
    assert page.locator(".paper-photos img").count() == 2

    # The archive is the committee's while the cycle runs.
    page.goto(f"/cycles/{cycle_id}/print/archive")
    assert "/login" in page.url
    log_in(page, "committee_a")
    page.goto(f"/c/{slug}/committee/cycles/{cycle_id}")
    page.get_by_role("link", name="打印材料").click()
    page.get_by_role("link", name="台账").click()
    shot(page, "print-archive-screen")
    pages, text = printed(page, "archive", tmp_path)
    parts = [flat(p) for p in text.split("\f") if p.strip()]
    # Each section starts a page: the cycle, proposals, meetings, count, turnout,
    # implementation, the committee's actions.
    starts = ["一、轮次及规则", "二、提议及决定", "三、会议记录", "四、计票", "五、参与情况",
              "六、实施及支出", "七、居务协商会的操作记录"]  # fmt: skip
    assert pages == len(parts) >= len(starts)
    assert starts[0] in parts[0]
    for heading in starts[1:]:
        assert sum(part.startswith(heading) for part in parts) == 1, heading
    body = "".join(parts)
    assert "本平台未记录本轮次的会议" in body
    assert "合计：计划10,000元，已支出18,000元。" in body
    assert digest in body
    assert "投票人" not in body  # no voter's name


def test_the_paper_pages_pass_the_accessibility_audit(browser, base_url, fresh_db):
    need_axe()
    with fresh_db.app_context():
        w = f.world()
        project, _ = f.implemented_project(w.a, w.committee_a)
        cycle_id, project_id, slug = project.cycle_id, project.id, w.a.slug
    # The strict CSP (script-src 'self') would refuse the injected audit script.
    context = browser.new_context(base_url=base_url, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    log_in(page, "committee_a")
    problems = []
    for path in (f"/cycles/{cycle_id}/print/ballot", f"/cycles/{cycle_id}/print/shortlist",
                 f"/cycles/{cycle_id}/print/results", f"/proposals/{project_id}/print/completion",
                 f"/cycles/{cycle_id}/print/archive",
                 f"/c/{slug}/committee/cycles/{cycle_id}/print"):  # fmt: skip
        page.goto(path)
        problems += axe_problems(page, path)
    context.close()
    assert problems == []
