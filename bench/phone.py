"""A resident's phone: what each main page weighs and how soon its largest content is painted,
in Chromium on a throttled slow 4G connection.

The app runs under gunicorn (production settings, :func:`bench.load.gunicorn`) on the demo city
loaded into SQLite as ``flask demo`` loads it. The system Chromium (``CHROMIUM``, else
``/usr/bin/chromium``), driven by Playwright, opens each page at a phone's viewport (360 x 740
CSS pixels, device scale 2) in a new browser context, so with an empty cache, and through a CDP
session emulates:

- the network: Lighthouse's slow 4G figures, 150 ms of latency added to every request, 1.6 Mbit/s
  down and 750 kbit/s up (``Network.emulateNetworkConditions``: DevTools' throttling, applied
  per request, not Lighthouse's simulation);
- the processor: 4 x slower (``Emulation.setCPUThrottlingRate``).

The demo's photos are small drawings; one proposal is given three photos as a phone takes them
(:func:`phone_photo`), so that the weight of real photos shows.

Largest Contentful Paint is read from a buffered PerformanceObserver once the page has loaded
and the network has been quiet for 500 ms (lazy photos near the screen have come by then);
bytes are the CDP Network events' ``encodedDataLength`` of every response finished by then (on
the wire: headers included, compressed if the app compressed it), summed by type: HTML, CSS, JS,
images, other (fonts, the icon, ...). Each page is loaded once unmeasured (the server compiles
its templates and makes its photos' variants), then ``loads`` times; every figure is the
median. Pages that need a resident are loaded after logging in (unthrottled, then the cache is
emptied): the ballot page, and the review, reached by ticking the two first projects on the
ballot page and sending the form.
"""

from __future__ import annotations

import io
import os
import random
import secrets
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import load

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORT = {"width": 360, "height": 740}
SCALE = 2
LATENCY_MS = 150
DOWN_BPS = 1_600_000  # bits per second
UP_BPS = 750_000
CPU_SLOWDOWN = 4
PROFILE = (
    f"slow 4G: {LATENCY_MS} ms latency per request, {DOWN_BPS / 1e6:g} Mbit/s down, "
    f"{UP_BPS / 1e3:g} kbit/s up (DevTools throttling); CPU {CPU_SLOWDOWN}x slower; "
    f"{VIEWPORT['width']}x{VIEWPORT['height']} at device scale {SCALE}"
)
GOAL_LCP_MS = 1500
GOAL_KB = 200
KINDS = ("html", "css", "js", "img", "other")
_KIND_OF = {"Document": "html", "Stylesheet": "css", "Script": "js", "Image": "img"}
RESIDENT = "13907550002"  # 符小梅 of 白龙社区, who has not voted in the demo
PASSWORD = "demo-2026"

_LCP_JS = """() => new Promise(resolve => {
  let last = null;
  const observer = new PerformanceObserver(list => {
    const entries = list.getEntries();
    last = entries[entries.length - 1];
  });
  observer.observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => {
    observer.disconnect();
    if (!last) { resolve(null); return; }
    const el = last.element;
    const what = el ? el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') : '';
    resolve({ms: last.startTime, size: last.size, element: what, url: last.url || ''});
  }, 300);
})"""


@dataclass
class Load:
    lcp_ms: float | None
    bytes: dict[str, int]
    element: str = ""
    requests: int = 0


@dataclass
class PageFigures:
    name: str
    path: str
    loads: list[Load] = field(default_factory=list)

    def kb(self, kind: str) -> float:
        return statistics.median(x.bytes.get(kind, 0) for x in self.loads) / 1024

    @property
    def total_kb(self) -> float:
        return statistics.median(sum(x.bytes.values()) for x in self.loads) / 1024

    @property
    def lcp_ms(self) -> float | None:
        found = [x.lcp_ms for x in self.loads if x.lcp_ms is not None]
        return statistics.median(found) if found else None

    @property
    def passes(self) -> bool:
        lcp = self.lcp_ms
        return lcp is not None and lcp < GOAL_LCP_MS and self.total_kb < GOAL_KB

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kb": {kind: round(self.kb(kind), 1) for kind in KINDS},
            "total_kb": round(self.total_kb, 1),
            "lcp_ms": None if self.lcp_ms is None else round(self.lcp_ms),
            "lcp_element": self.loads[-1].element if self.loads else "",
            "requests": self.loads[-1].requests if self.loads else 0,
            "loads": [
                {"lcp_ms": None if x.lcp_ms is None else round(x.lcp_ms), "bytes": x.bytes}
                for x in self.loads
            ],
            "pass": self.passes,
        }


def problem() -> str | None:
    """Why the section cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"
    return None


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def load_demo(url: str, uploads: Path) -> None:
    """``flask --app app demo`` into the database at ``url``, photos into ``uploads``."""
    env = {**load.server_env(url), "UPLOAD_FOLDER": str(uploads)}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "demo"],
        cwd=load.ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"flask demo failed:\n{done.stdout}\n{done.stderr}")


def phone_photo(seed: int) -> bytes:
    """A photo as a resident's phone takes it, as the app keeps it (cleaned: 1600 x 1200 JPEG at
    quality 85, about 490 KB): colours, shapes, blur and sensor noise, so that it encodes like a
    photo, unlike the demo's drawings (800 x 600, 7 KB)."""
    from PIL import Image, ImageDraw, ImageFilter

    from microprojects.services.photos import clean_photo

    rng = random.Random(seed)
    size = (1600, 1200)
    ramp = Image.linear_gradient("L")
    im = Image.merge(
        "RGB", (ramp.resize(size), ramp.rotate(90).resize(size), Image.new("L", size, 120))
    )
    draw = ImageDraw.Draw(im)
    for _ in range(400):
        x, y, r = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(5, 80)
        draw.ellipse((x, y, x + r, y + r), fill=(rng.randrange(256), rng.randrange(256), 90))
    noise = Image.effect_noise(size, 40).convert("RGB")
    im = Image.blend(im.filter(ImageFilter.GaussianBlur(2)), noise, 0.15)
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=92)
    return clean_photo(buffer.getvalue()).content


def add_phone_photos(url: str, uploads: Path, count: int = 3) -> int:
    """Give a public proposal of 振兴社区 without photos ``count`` photos from a phone, as an
    upload would (file and row); returns its id."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        proposal = conn.scalar(
            text(
                "SELECT p.id FROM proposals p JOIN cycles c ON c.id = p.cycle_id "
                "JOIN communities m ON m.id = c.community_id WHERE m.slug = 'zhenxing' "
                "AND p.state = 'submitted' AND NOT EXISTS "
                "(SELECT 1 FROM proposal_photos f WHERE f.proposal_id = p.id) ORDER BY p.id"
            )
        )
        if proposal is None:
            raise RuntimeError("the demo has no submitted proposal without photos in 振兴社区")
        for n in range(count):
            content = phone_photo(n)
            name = f"{secrets.token_hex(16)}.jpg"
            (uploads / name).write_bytes(content)
            conn.execute(
                text(
                    "INSERT INTO proposal_photos (proposal_id, filename, mime, width, height, "
                    "size, position, created_at) VALUES (:p, :f, 'image/jpeg', 1600, 1200, :s, "
                    ":n, CURRENT_TIMESTAMP)"
                ),
                {"p": proposal, "f": name, "s": len(content), "n": n},
            )
    engine.dispose()
    return int(proposal)


def demo_pages(url: str) -> dict[str, str]:
    """The main pages of the demo city, found in its database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:

        def one(sql: str) -> Any:
            value = conn.scalar(text(sql))
            if value is None:
                raise RuntimeError(f"the demo has nothing for: {sql}")
            return value

        screening = one(
            "SELECT c.id FROM cycles c JOIN communities m ON m.id = c.community_id "
            "WHERE m.slug = 'zhenxing'"
        )
        proposal = one(
            "SELECT proposal_id FROM proposal_photos GROUP BY proposal_id "
            "ORDER BY count(*) DESC, proposal_id LIMIT 1"
        )
        results = one(
            "SELECT c.id FROM cycles c JOIN communities m ON m.id = c.community_id "
            "WHERE m.slug = 'longfeng'"
        )
        funded = one(
            "SELECT i.proposal_id FROM progress_photos f "
            "JOIN progress_updates u ON u.id = f.update_id "
            "JOIN implementations i ON i.id = u.implementation_id "
            "WHERE u.status != 'pending' GROUP BY i.proposal_id "
            "ORDER BY count(*) DESC, i.proposal_id LIMIT 1"
        )
        voting = one(
            "SELECT c.id FROM cycles c JOIN communities m ON m.id = c.community_id "
            "WHERE m.slug = 'bailong'"
        )
    engine.dispose()
    return {
        "home": "/",
        "community": "/c/zhenxing",
        "proposal list": f"/cycles/{screening}",
        "proposal with photos": f"/proposals/{proposal}",
        "proposal, 3 phone photos": "",  # filled in by run()
        "results": f"/cycles/{results}/results",
        "funded project, progress": f"/proposals/{funded}",
        "offers menu": "/offers",
        "ballot (resident)": f"/cycles/{voting}/vote",
        "review (resident)": f"/cycles/{voting}/vote/review",
    }


class Phone:
    """One Chromium, a new context (empty cache) for every load."""

    def __init__(self, base: str) -> None:
        from playwright.sync_api import sync_playwright

        self.base = base
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    def close(self) -> None:
        self.browser.close()
        self._pw.stop()

    def measure(self, path: str, *, resident: bool = False, review: bool = False) -> Load:
        context = self.browser.new_context(
            viewport=VIEWPORT,
            device_scale_factor=SCALE,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            base_url=self.base,
        )
        try:
            page = context.new_page()
            if resident:
                page.goto("/login")
                page.fill("#login", RESIDENT)
                page.fill("#password", PASSWORD)
                with page.expect_navigation():
                    page.click("form:has(#password) button[type=submit]")
            if review:
                page.goto(path.removesuffix("/review"))
                boxes = page.locator("form.ballot input[name=p]")
                for n in range(min(2, boxes.count())):
                    boxes.nth(n).check()
            cdp = context.new_cdp_session(page)
            kinds: dict[str, str] = {}
            sizes: dict[str, int] = {}
            cdp.on(
                "Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"])
            )
            cdp.on(
                "Network.loadingFinished",
                lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
            )
            cdp.send("Network.enable")
            cdp.send("Network.clearBrowserCache")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": LATENCY_MS,
                    "downloadThroughput": DOWN_BPS / 8,
                    "uploadThroughput": UP_BPS / 8,
                },
            )
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
            if review:
                with page.expect_navigation(wait_until="load"):
                    page.click("form.ballot button[type=submit]")
                if (
                    "/vote/review" not in page.url
                    and page.locator("input[name=token]").count() == 0
                ):
                    raise RuntimeError(f"the review did not open: {page.url}")
            else:
                response = page.goto(path, wait_until="load")
                if response is None or response.status != 200:
                    raise RuntimeError(f"{path}: {None if response is None else response.status}")
            # What loads after the load event (lazy photos near the screen, the icon) is the
            # page's too: counted once the network has been quiet for half a second.
            page.wait_for_load_state("networkidle")
            lcp = page.evaluate(_LCP_JS)
            totals = dict.fromkeys(KINDS, 0)
            for request_id, size in sizes.items():
                totals[_KIND_OF.get(kinds.get(request_id, ""), "other")] += size
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
            return Load(
                lcp_ms=None if lcp is None else float(lcp["ms"]),
                bytes=totals,
                element=(lcp or {}).get("element") or (lcp or {}).get("url", ""),
                requests=len(sizes),
            )
        finally:
            context.close()


def run(
    workdir: Path, *, loads: int, workers: int = 2, say: Callable[[str], None] = print
) -> dict[str, Any]:
    """Load the demo, serve it, measure every page ``loads`` times."""
    database = workdir / "phone.db"
    uploads = workdir / "phone-uploads"
    url = f"sqlite:///{database}"
    load_demo(url, uploads)
    pages = demo_pages(url)
    pages["proposal, 3 phone photos"] = f"/proposals/{add_phone_photos(url, uploads)}"
    say(f"  [phone] demo loaded; {len(pages)} pages, {loads} load(s) each")
    figures: dict[str, PageFigures] = {}
    with _environment(UPLOAD_FOLDER=str(uploads)), load.gunicorn(url, workers, workdir) as server:
        phone = Phone(server.base)
        try:
            for name, path in pages.items():
                resident = "resident" in name
                review = path.endswith("/review")
                figures[name] = PageFigures(name, path)
                # Once unmeasured: the workers compile the page's templates and make its photos'
                # variants, as for the visitors before, and Chromium warms up.
                phone.measure(path, resident=resident, review=review)
                for _ in range(loads):
                    figures[name].loads.append(
                        phone.measure(path, resident=resident, review=review)
                    )
                say(f"  [phone] {name} measured")
        finally:
            phone.close()
    return {
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "profile": PROFILE,
        "served_by": "gunicorn with the app's production settings, no proxy in front",
        "loads": loads,
        "pages": {name: f.as_dict() for name, f in figures.items()},
    }


def report(part: dict[str, Any]) -> list[dict[str, Any]]:
    """Print the table; return one goal per page, in the shape of the other sections'."""
    if "skipped" in part:
        print(f"\nPhone: skipped ({part['skipped']})")
        return []
    print(
        f"\nPhone: Chromium, {part['profile']}; new context (empty cache) per load, medians of "
        f"{part['loads']}; KB on the wire as served by {part['served_by']}. LCP drifts with "
        "what else the machine does (load average at the end: "
        + ", ".join(str(x) for x in part["load_average"])
        + ")"
    )
    header = (
        f"{'page':<26} {'HTML':>6} {'CSS':>6} {'JS':>6} {'img':>6} {'other':>6} {'total':>7} "
        f"{'LCP ms':>7}  LCP element"
    )
    print(header)
    print("-" * len(header))
    goals = []
    for name, p in part["pages"].items():
        kb = p["kb"]
        lcp = "-" if p["lcp_ms"] is None else str(p["lcp_ms"])
        print(
            f"{name:<26} {kb['html']:>6.1f} {kb['css']:>6.1f} {kb['js']:>6.1f} {kb['img']:>6.1f} "
            f"{kb['other']:>6.1f} {p['total_kb']:>7.1f} {lcp:>7}  {p['lcp_element']}"
        )
        goals.append(
            {
                "goal": f"phone: {name} LCP < {GOAL_LCP_MS} ms and < {GOAL_KB} KB",
                "backend": "sqlite",
                "measured": f"LCP {lcp} ms, {p['total_kb']:.1f} KB ({p['path']})",
                "pass": p["pass"],
            }
        )
    return goals
