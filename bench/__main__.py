"""``python -m bench``: how fast the app is, measured against the limit of this machine.

Everything runs on 127.0.0.1, starts and stops its own gunicorn and databases, prints a table
and writes the figures to ``bench/results/latest.json``. Figures on a shared machine drift, so
every figure stands beside a baseline measured in the same run, on the same server:

- baseline A: ``GET /healthz`` (one ``SELECT 1``);
- baseline B: ``POST /_bench/write``, one row written in one transaction (a bench-only route, see
  :mod:`bench.benchapp`);
- baseline C: the smallest logged-in POST, the cast form with a spent token (session, CSRF token,
  user and cycle read, a redirect; no write): what every cast pays before it votes;
- for reference, the smallest rendered page (``GET /login``: the layout and a form, no query);
- casting a ballot, by logged-in residents: the cast request alone, of a ballot reviewed in advance
  (:func:`bench.load.cast_requests`; session, CSRF, validation, participation and ballot in one
  transaction), which the goals are about; and the whole way through the pages, ballot page,
  review and cast (:func:`bench.load.cast_ballots`);
- the public results page of a cycle of 100,000 ballots, its proposal list, a proposal's page;
- the mixer on its own (:mod:`bench.mixer`): ballots mixed per second in batches of
  ``MIX_BATCH`` while voting runs, and the time from the close of voting to a countable cycle
  with 100,000 ballots still sealed, then the count, timed apart; bytes per ballot on disk;
- capacity (:mod:`bench.capacity`): CPU milliseconds per request of the app's processes and of
  its PostgreSQL backends (/proc), and, where the server loads ``pg_stat_statements``, the
  statements' time, number and WAL bytes per request; projected to a province's voting day;
- the count on real Pabulib files, from the file and from the database; import and export of the
  largest file with peak memory (:mod:`bench.count`);
- a resident's phone: each main page's bytes and Largest Contentful Paint in Chromium on a
  throttled slow 4G connection (:mod:`bench.phone`).

Goals: casting at least 0.5 x B's throughput, and the cast's p99 at most 2 x B's p99, each the
median of the rounds' ratios, hold on PostgreSQL (SQLite's are reported, INFO); the results page
at least 0.5 x A; MES + Add1 200 times faster than pabutools.

Load: wrk at 32 connections for single requests; for casting, a Python client of 32 threads (a
resident's session walking three pages), whose own baseline B is measured too. Each figure is the
median of several rounds, and each ratio the median of the ratios within a round, whose runs are
taken one after another on an otherwise idle server (:func:`bench.load.settle`). wrk's baseline
B runs twice in a round, just before the cast request and just after baseline C, and the round's
B is the mean of the two. How busy the machine was with other work before each round is printed
with the figures, the load average at the start and the end, and the seconds of each section.
Options: ``--quick`` (one round of 2 s, 20,000 ballots on the results page, 10,000 at the
mixer's close, the count from the database on PostgreSQL alone, one load of each phone page),
``--only http|mixer|count|pabulib|phone`` (repeatable), ``--seconds N``, ``--rounds N``,
``--workers N``, ``--backend sqlite|postgresql``, ``--ballots N``, ``--mix-ballots N``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from . import capacity, load, mixer
from . import count as count_bench
from . import phone as phone_bench
from .databases import database, postgres_problem

RESULTS = Path(__file__).resolve().parent / "results"
SECTIONS = ("http", "mixer", "count", "pabulib", "phone")


def parse_args(argv: list[str]) -> argparse.Namespace:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs: a smoke test")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only this part")
    parser.add_argument("--seconds", type=float, help="length of each load run (default 3)")
    parser.add_argument("--rounds", type=int, help="load runs per figure, median (default 3)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument(
        "--workers", type=int, default=2 * cpus + 1, help=f"gunicorn workers ({2 * cpus + 1})"
    )
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--ballots", type=int, help="ballots of the results page (100,000)")
    parser.add_argument("--mix-ballots", type=int, help="sealed ballots at the close (100,000)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (2.0 if args.quick else 3.0)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.runs = 1 if args.quick else 5  # repetitions of a count from a file (best of)
    args.db_runs = 1 if args.quick else 2  # of a count from the database
    args.ballots = args.ballots or (20_000 if args.quick else 100_000)
    args.mix_ballots = args.mix_ballots or (10_000 if args.quick else 100_000)
    args.mix_batches = 10 if args.quick else 40  # batches of MIX_BATCH mixed while voting runs
    args.only = args.only or list(SECTIONS)
    args.backend = args.backend or ["sqlite", "postgresql"]
    # Residents for a cast rate of 1,500/s in every round's cycle (a round that runs out of
    # residents says so: its window is counted whole, so its rate is low), and for the casting
    # through the pages, at 200/s shared by the rounds; plus one per client to warm up.
    args.voters = int(max(1500 * args.seconds, 200 * args.seconds * args.rounds)) + args.clients
    return args


# --- HTTP -----------------------------------------------------------------------------------


def _median_figures(runs: list[load.Figures]) -> load.Figures:
    first = runs[0]
    merged = load.Figures(
        name=first.name,
        generator=first.generator,
        rate=statistics.median(r.rate for r in runs),
        p50=statistics.median(r.p50 for r in runs),
        p99=statistics.median(r.p99 for r in runs),
        count=sum(r.count for r in runs),
        seconds=sum(r.seconds for r in runs),
        errors=sum(r.errors for r in runs),
        unit=first.unit,
        machine_cpu=statistics.median(r.machine_cpu for r in runs),
        others_cpu=statistics.median(r.others_cpu for r in runs),
        client_cpu=None
        if first.client_cpu is None
        else statistics.median(r.client_cpu or 0.0 for r in runs),
        extra=dict(first.extra),
    )
    merged.extra["rounds"] = [
        {"rate": round(r.rate, 2), "p50_ms": round(r.p50, 2), "p99_ms": round(r.p99, 2)}
        for r in runs
    ]
    return merged


A = "A: GET /healthz"
B = "B: POST one-row write"
B_PY = "B (Python client)"
CAST = "cast"  # the cast request alone, of a reviewed ballot
JOURNEY = "journey"  # the ballot page, the review and the cast, one after another
C = "C: logged-in POST, no write"


def http_backend(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from .seed import PASSWORD, migrate, seed, session_cookies, setup_app

    out: dict[str, Any] = {"backend": backend}
    with database(backend, workdir) as url:
        started = time.perf_counter()
        app = setup_app(url)
        migrate(app)
        seeded = seed(
            app, voters=args.voters, ballots=args.ballots, workdir=workdir, cast_rounds=args.rounds
        )
        out["seed"] = seeded.as_dict() | {"total_seconds": time.perf_counter() - started}
        print(
            f"  [{backend}] data ready in {time.perf_counter() - started:.0f} s "
            f"({len(seeded.voters)} residents, {seeded.results_ballots:,} ballots)",
            flush=True,
        )
        problem = capacity.enable_statements(url)
        out["statements_note"] = problem or ""
        measured = None if problem else url  # where pg_stat_statements sees the statements
        with load.gunicorn(url, args.workers, workdir) as server:
            started = time.perf_counter()
            # The first residents log in through the form; the others' sessions are made as
            # the form makes them (see seed.session_cookies).
            cookies = load.login_all(
                server.port, seeded.voters[: args.clients], PASSWORD, clients=args.clients
            )
            cookies += session_cookies(app, seeded.voters[args.clients :], model=cookies[0])
            # One resident who never votes in the bench reads the pages a logged-in resident
            # reads: the proposal list and a proposal, the ballot page and the review.
            reader = cookies.pop()
            out["login_seconds"] = time.perf_counter() - started
            print(f"  [{backend}] {len(cookies)} residents logged in", flush=True)
            results = f"/cycles/{seeded.results_cycle}/results"
            # In each round the pages follow baseline A, casting through the pages precedes the
            # Python client's B, and the cast request and C sit between two runs of wrk's B, so
            # that each ratio compares figures taken close together.
            pages = {
                A: ("GET", "/healthz"),
                f"results page, {seeded.results_ballots:,} ballots": ("GET", results),
                "proposal list of that cycle": ("GET", f"/cycles/{seeded.results_cycle}"),
                "a funded proposal's page": ("GET", f"/proposals/{seeded.funded_proposal}"),
                "smallest page: GET /login (no query)": ("GET", "/login"),
            }
            write = ("POST", "/_bench/write")
            as_resident, reader = _resident_pages(server, seeded, reader)
            started = time.perf_counter()
            _warm_up(server, pages | {B: write}, args, seeded, cookies[: args.clients])
            for name, (method, path, form) in as_resident.items():
                _one_page(server, name, method, path, args, reader, form)
            out["warm_up_seconds"] = time.perf_counter() - started
            out["review_seconds"] = 0.0  # ballots reviewed before each round's casts
            cast_cookies = cookies[args.clients :]
            per_round = len(cast_cookies) // args.rounds
            # The table's order: the pages, then B, then what follows in a round.
            runs: dict[str, list[load.Figures]] = {name: [] for name in [*pages, *as_resident, B]}
            others: list[float] = []
            for n in range(args.rounds):
                load.settle(server)
                others.append(load.background_busy())
                for name, (method, path) in pages.items():
                    load.settle(server)
                    runs.setdefault(name, []).append(
                        _counted(measured, partial(_one_page, server, name, method, path, args))
                    )
                for name, (method, path, form) in as_resident.items():
                    load.settle(server)
                    runs.setdefault(name, []).append(
                        _one_page(server, name, method, path, args, reader, form)
                    )
                load.settle(server)
                runs.setdefault(JOURNEY, []).append(
                    _counted(
                        measured,
                        partial(
                            load.cast_ballots,
                            "casting through the pages (3 requests)",
                            server,
                            cycle_id=seeded.vote_cycle,
                            projects=seeded.vote_projects,
                            cookies=cast_cookies[n * per_round : (n + 1) * per_round],
                            seconds=args.seconds,
                            clients=args.clients,
                        ),
                    )
                )
                load.settle(server)
                runs.setdefault(B_PY, []).append(
                    load.python_load(
                        B, server, "/_bench/write",
                        method="POST", seconds=args.seconds, clients=args.clients,
                    )
                )  # fmt: skip
                # Residents review a ballot in this round's own cycle (not measured): as many
                # as baseline A's rate would use up, more than a cast can (see cast_residents),
                # or, after the first round, twice the most casts a round has served.
                cycle_id, projects = seeded.cast_cycles[n]
                bound = min([runs[A][-1].rate, *(2 * r.rate for r in runs.get(CAST, []))])
                wanted = cast_residents(bound, args.seconds, args.clients)
                started = time.perf_counter()
                reviewed = load.review_ballots(
                    server, cycle_id=cycle_id, projects=projects, cookies=cookies[:wanted],
                    clients=args.clients,
                )  # fmt: skip
                out["review_seconds"] += time.perf_counter() - started
                # Baseline B is measured just before the cast request and again just after C,
                # and the round's B is the mean of the two: the ratios compare runs taken
                # seconds apart, whatever the machine's other work does over the round.
                load.settle(server)
                before = _counted(measured, partial(_one_page, server, B, *write, args))
                load.settle(server)
                runs.setdefault(CAST, []).append(
                    _counted(
                        measured,
                        partial(
                            load.cast_requests,
                            "casting: the cast request",
                            server,
                            cycle_id=cycle_id,
                            reviewed=reviewed,
                            seconds=args.seconds,
                            clients=args.clients,
                        ),
                    )
                )
                load.settle(server)
                runs.setdefault(C, []).append(
                    load.logged_in_posts(
                        C, server, cycle_id=cycle_id, reviewed=reviewed,
                        seconds=args.seconds, clients=args.clients,
                    )
                )  # fmt: skip
                load.settle(server)
                after = _one_page(server, B, *write, args)
                runs.setdefault(B, []).append(bracket(before, after))
                print(f"  [{backend}] round {n + 1}/{args.rounds} measured", flush=True)
        print(
            f"  [{backend}] seconds: data {out['seed']['total_seconds']:.0f}, logins "
            f"{out['login_seconds']:.0f}, warm-up {out['warm_up_seconds']:.0f}, ballots reviewed "
            f"before the casts {out['review_seconds']:.0f}",
            flush=True,
        )
        out["runs"] = runs
        out["figures"] = {name: _median_figures(r) for name, r in runs.items()}
        out["background_busy"] = others
        out["casts_stored"] = sum(
            _casts_stored(url, c) for c in [seeded.vote_cycle, *(c for c, _ in seeded.cast_cycles)]
        )
    return out


RESIDENT = " (logged in)"


def _resident_pages(
    server: load.Server, seeded: Any, cookie: str
) -> tuple[dict[str, tuple[str, str, dict[str, Any] | None]], str]:
    """The pages a logged-in resident reads, by name: (method, path, form), and the cookie to
    read them with (the session ``cookie`` as the ballot page left it). The review sends the
    ballot page's form with two projects chosen, as often as wrk asks (each answer is a review
    page; nothing is cast)."""
    vote = f"/cycles/{seeded.vote_cycle}/vote"
    client = load.Client(server.port)
    client.cookie = cookie
    status, page, _ = client.request("GET", vote)
    token = load.CSRF_RE.search(page)
    if status != 200 or not token:
        raise RuntimeError(f"the reader's ballot page: {status}")
    # The session as the ballot page left it, holding the secret its form token is checked by.
    reader = client.cookie
    review = {"csrf_token": token.group(1), "p": seeded.vote_projects[0:3:2]}
    status, _, _ = client.request("POST", f"{vote}/review", review)
    client.close()
    if status != 200:
        raise RuntimeError(f"the reader's review: {status}")
    return {
        "proposal list" + RESIDENT: ("GET", f"/cycles/{seeded.results_cycle}", None),
        "a funded proposal's page" + RESIDENT: (
            "GET", f"/proposals/{seeded.funded_proposal}", None,
        ),
        "ballot page" + RESIDENT: ("GET", vote, None),
        "review of a ballot" + RESIDENT: ("POST", f"{vote}/review", review),
    }, reader  # fmt: skip


def _counted(url: str | None, measure: Callable[[], load.Figures]) -> load.Figures:
    """``measure()``, with the statements it ran in the database per request kept in its
    figures, where ``url`` names a database whose server has pg_stat_statements."""
    with capacity.statements(url) as seen:
        figures = measure()
    if url is not None:
        figures.extra["statements"] = seen.per_request(figures.extra["cpu_ms"]["requests"])
    return figures


def cast_residents(rate: float, seconds: float, clients: int) -> int:
    """How many residents to prepare for one round's casts: what ``rate`` would serve in the
    window, plus one for each client, for the casts in flight when the window ends. The rate is
    baseline A's in the same round (A reads one row, with no session and no write: no cast comes
    near it) or, if lower, twice the best cast rate of the rounds before (reviewing ballots no
    cast would reach took minutes); a round that runs out anyway says so."""
    return int(rate * seconds) + clients


def bracket(before: load.Figures, after: load.Figures) -> load.Figures:
    """One figure of two runs of the same load, taken before and after what is compared with
    it: the means of their rates and latencies, and both runs' rates kept."""
    return load.Figures(
        name=before.name,
        generator=before.generator,
        rate=(before.rate + after.rate) / 2,
        p50=(before.p50 + after.p50) / 2,
        p99=(before.p99 + after.p99) / 2,
        count=before.count + after.count,
        seconds=before.seconds + after.seconds,
        errors=before.errors + after.errors,
        unit=before.unit,
        machine_cpu=(before.machine_cpu + after.machine_cpu) / 2,
        others_cpu=(before.others_cpu + after.others_cpu) / 2,
        client_cpu=before.client_cpu,
        extra={**before.extra, "before_after": [round(before.rate, 2), round(after.rate, 2)]},
    )


def round_ratios(runs: dict[str, list[load.Figures]], name: str, baseline: str) -> list[float]:
    """Each round's figure over the same round's baseline."""
    return [t.rate / b.rate for t, b in zip(runs[name], runs[baseline], strict=True)]


def p99_ratios(runs: dict[str, list[load.Figures]], name: str, baseline: str) -> list[float]:
    """Each round's p99 over the same round's baseline's p99."""
    return [t.p99 / b.p99 for t, b in zip(runs[name], runs[baseline], strict=True)]


def held(backend: str, passed: bool) -> bool | None:
    """A casting goal's verdict: the goals hold on PostgreSQL; SQLite's figures are reported
    (None), a single file's writes being one at a time."""
    return passed if backend == "postgresql" else None


def ratio(runs: dict[str, list[load.Figures]], name: str, baseline: str) -> float:
    """The median over rounds of this round's figure over this round's baseline."""
    return statistics.median(round_ratios(runs, name, baseline))


def _one_page(
    server: load.Server,
    name: str,
    method: str,
    path: str,
    args: argparse.Namespace,
    cookie: str = "",
    form: dict[str, Any] | None = None,
) -> load.Figures:
    """One page under load; with ``cookie``, as that resident (sending ``form``)."""
    if load.have_wrk():
        return load.run_wrk(
            name,
            server.base + path,
            seconds=args.seconds,
            connections=args.clients,
            method=method,
            server_pid=server.process.pid,
            cookie=cookie,
            form=form,
        )
    return load.python_load(
        name, server, path, method=method, seconds=args.seconds, clients=args.clients,
        cookie=cookie, form=form,
    )  # fmt: skip


def _warm_up(
    server: load.Server,
    pages: dict[str, tuple[str, str]],
    args: argparse.Namespace,
    seeded: Any,
    cookies: list[str],
) -> None:
    """Every worker imports, compiles templates and opens its connection before measuring."""
    client = load.Client(server.port)
    for method, path in pages.values():
        for _ in range(3 * args.workers):
            status, _, _ = client.request(method, path, {} if method == "POST" else None)
            if status != 200:
                raise RuntimeError(f"warm-up {method} {path}: {status}")
    client.close()
    load.cast_ballots(
        "warm-up",
        server,
        cycle_id=seeded.vote_cycle,
        projects=seeded.vote_projects,
        cookies=cookies,
        seconds=60,
        clients=args.clients,
    )


def _casts_stored(url: str, cycle_id: int) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.scalar(
            text("SELECT count(*) FROM participations WHERE cycle_id = :c"), {"c": cycle_id}
        )
    engine.dispose()
    return int(stored or 0)


# --- count and Pabulib --------------------------------------------------------------------


def count_part(args: argparse.Namespace, backends: list[str], workdir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"file": [], "database": [], "pabutools": None, "note": ""}
    if not count_bench.available():
        out["note"] = f"{count_bench.PABULIB} not found: the real Pabulib files are not here"
        return out
    if "count" in args.only:
        rows, mes_seconds = count_bench.file_to_result(args.runs)
        out["file"] = rows
        out["mes_seconds"] = mes_seconds
        print("  [count] file -> result measured", flush=True)
        timing, note = count_bench.pabutools_mes(
            rows[-1].extra["selected"] if rows[-1].extra else []
        )
        out["pabutools"], out["note"] = timing, note
    # --quick: from the database of the last backend alone (PostgreSQL, where it answers).
    for backend in backends[-1:] if args.quick else backends:
        with database(backend, workdir, "pabulib") as url:
            from .seed import migrate, setup_app

            migrate(setup_app(url))
            out["database"] += count_bench.from_database(url, backend, args.db_runs)
        print(f"  [count] {backend}: import, count from the database, export measured", flush=True)
    return out


# --- report ---------------------------------------------------------------------------------


def _fmt_rate(f: load.Figures) -> str:
    return f"{f.rate:,.1f} {f.unit}"


def report(results: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Print the tables; return the goals with PASS/MISS."""
    goals: list[dict[str, Any]] = []
    for backend, part in results.get("http", {}).items():
        if "skipped" in part:
            print(f"\nHTTP on {backend}: skipped ({part['skipped']})")
            continue
        figures: dict[str, load.Figures] = part["figures"]
        runs: dict[str, list[load.Figures]] = part["runs"]
        cast = figures[CAST]
        others = part["background_busy"]
        print(
            f"\nHTTP on {backend}: gunicorn --workers {args.workers} (sync), "
            f"{args.clients} concurrent clients; {args.rounds} rounds of {args.seconds:g} s, "
            "medians; ratios are medians of each round's ratio. CPU: share of the machine's "
            "cores busy during the run; other: of which not the benchmark's own processes "
            "(server, its PostgreSQL backends, load generator).\n"
            "Machine busy with other work just before each round: "
            + ", ".join(f"{x:.0%}" for x in others)
        )
        header = (
            f"{'measurement':<38} {'generator':<26} {'throughput':>15} {'p50 ms':>8} "
            f"{'p99 ms':>8} {'/ A':>6} {'/ B':>6} {'CPU':>5} {'other':>5} {'err':>4}"
        )
        print(header)
        print("-" * len(header))
        ratios: dict[str, dict[str, float | None]] = {}
        for key, f in figures.items():
            python = f.generator.startswith("Python")
            vs_a = None if python else ratio(runs, key, A)
            vs_b = ratio(runs, key, B_PY if python else B)
            ratios[key] = {"A": vs_a, "B": vs_b}
            print(
                f"{f.name:<38} {f.generator:<26} {_fmt_rate(f):>15} {f.p50:>8.1f} {f.p99:>8.1f} "
                f"{'-' if vs_a is None else format(vs_a, '.3f'):>6} {vs_b:>6.3f} "
                f"{f.machine_cpu:>5.0%} {f.others_cpu:>5.0%} {f.errors:>4}"
            )
        part["ratios"] = ratios
        journey = figures[JOURNEY]
        steps = journey.extra.get("steps_ms", {})
        # The cast's baseline B is the one of its own load generator (wrk where installed).
        cast_wrk = not cast.generator.startswith("Python")
        cast_b = ratio(runs, CAST, B if cast_wrk else B_PY)
        print(
            "  casting through the pages, per request (p50/p99 ms): "
            + ", ".join(f"{k} {v['p50']:.0f}/{v['p99']:.0f}" for k, v in steps.items())
            + f"; {journey.rate / cast.rate:.2f} x the cast request alone. "
            f"{part['casts_stored']} ballots stored in all (warm-up included)"
        )
        floor = figures[C]
        print(
            f"  baseline C, what every cast pays before it votes (session, CSRF, user, cycle, "
            f"redirect) and no write: {floor.rate:.1f} req/s = "
            f"{ratio(runs, C, B if cast_wrk else B_PY):.3f} x B; "
            f"the cast request is {ratio(runs, CAST, C):.3f} x C"
        )
        for key in (CAST, JOURNEY):
            short = [n + 1 for n, r in enumerate(runs[key]) if r.extra.get("ran_out_of_residents")]
            if short:
                print(
                    f"  {figures[key].name}, rounds {short}: out of residents before the end; "
                    "the window was shortened"
                )
        goals.append(
            {
                "goal": "casting >= 0.5 x baseline B throughput",
                "backend": backend,
                "measured": f"{cast.rate:.1f} casts/s = {cast_b:.3f} x B of the same load "
                f"generator ({cast.generator}; each round: "
                + ", ".join(f"{r:.3f}" for r in round_ratios(runs, CAST, B if cast_wrk else B_PY))
                + f"); through the pages: {journey.rate:.1f} casts/s = "
                f"{ratio(runs, JOURNEY, B_PY):.3f} x B of the Python client",
                "pass": held(backend, cast_b >= 0.5),
            }
        )
        cast_p99 = p99_ratios(runs, CAST, B if cast_wrk else B_PY)
        goals.append(
            {
                "goal": "the cast's p99 <= 2 x baseline B's p99",
                "backend": backend,
                "measured": f"p99 {cast.p99:.0f} ms for the cast request = "
                f"{statistics.median(cast_p99):.2f} x B's p99 of the same load generator "
                "(each round: " + ", ".join(f"{r:.2f}" for r in cast_p99) + "); through the "
                f"pages: {journey.p99:.0f} ms for the 3 requests, "
                + ", ".join(f"{k} {v['p99']:.0f}" for k, v in steps.items()),
                "pass": held(backend, statistics.median(cast_p99) <= 2),
            }
        )
        page = next(k for k in figures if k.startswith("results page"))
        page_a = ratio(runs, page, A)
        goals.append(
            {
                "goal": f"results page at {args.ballots:,} ballots >= 0.5 x baseline A",
                "backend": backend,
                "measured": f"{figures[page].rate:.1f} req/s = {page_a:.3f} x A "
                f"({figures[A].rate:,.0f} req/s)",
                "pass": page_a >= 0.5,
            }
        )
        # Visitors' pages kept (see web/kept.py) at least half of A; a logged-in resident's
        # pages, made for each of them, at least a quarter.
        for key, floor in (
            ("proposal list of that cycle", 0.5),
            ("a funded proposal's page", 0.5),
            *((name, 0.25) for name in figures if name.endswith(RESIDENT)),
        ):
            if key not in figures:
                continue
            vs_a = ratio(runs, key, A)
            who = "" if key.endswith(RESIDENT) else " (visitors)"
            goals.append(
                {
                    "goal": f"{key}{who} >= {floor} x baseline A",
                    "backend": backend,
                    "measured": f"{figures[key].rate:.1f} req/s = {vs_a:.3f} x A (each round: "
                    + ", ".join(f"{r:.3f}" for r in round_ratios(runs, key, A))
                    + f"), p99 {figures[key].p99:.0f} ms",
                    "pass": vs_a >= floor,
                }
            )

    counted = results.get("count")
    if counted:
        if counted.get("note") and not counted["file"] and not counted["database"]:
            print(f"\nCount: {counted['note']}")
        rows = [*counted["file"], *counted["database"]]
        if counted.get("pabutools"):
            rows.append(counted["pabutools"])
        if rows:
            print(
                f"\nCount and Pabulib (best of {args.runs} from a file, of {args.db_runs} from the "
                "database, unless 'once'; CPU: this process only, where it does all the work)"
            )
            width = max(len(r.name) for r in rows)
            print(f"{'measurement':<{width}}  {'backend':<10}  {'wall s':>8}  {'CPU s':>7}  detail")
            for r in rows:
                cpu = "" if r.cpu_seconds is None else f"{r.cpu_seconds:.3f}"
                print(
                    f"{r.name:<{width}}  {r.backend:<10}  {r.seconds:>8.3f}  {cpu:>7}  {r.detail}"
                )
        if "mes_seconds" in counted:
            ours = counted["mes_seconds"]
            measured = counted.get("pabutools")
            theirs = measured.cpu_seconds if measured else None
            reference = theirs if theirs is not None else count_bench.PABUTOOLS_REFERENCE_SECONDS
            note = "" if theirs is not None else f" ({counted['note']})"
            goals.append(
                {
                    "goal": "MES + Add1 on Wieliczka >= 200x faster than pabutools",
                    "backend": "-",
                    "measured": f"ours {ours:.3f} s CPU, pabutools {reference:.1f} s: "
                    f"{reference / ours:.0f}x{note}",
                    "pass": reference / ours >= 200,
                }
            )
            if counted["note"]:
                print(f"  {counted['note']}")

    mixer.report(results.get("mixer", []))
    _capacity(results, args)
    if "phone" in results:
        goals += phone_bench.report(results["phone"])

    if goals:
        print("\nGoals")
        for g in goals:
            verdict = {True: "PASS", False: "MISS", None: "INFO"}[g["pass"]]
            print(f"  {verdict}  {g['goal']} [{g['backend']}]: {g['measured']}")
    return goals


def _capacity(results: dict[str, Any], args: argparse.Namespace) -> None:
    """CPU and statements per cast and per results view; the projection from PostgreSQL's."""
    parts = {b: p for b, p in results.get("http", {}).items() if "runs" in p}
    if not parts:
        return
    loads: dict[str, dict[str, list[load.Figures]]] = {}
    for backend, part in parts.items():
        runs = part["runs"]
        page = next(k for k in runs if k.startswith("results page"))
        loads[backend] = {
            capacity.CAST_LABEL: runs[CAST],
            capacity.JOURNEY_LABEL: runs[JOURNEY],
            page: runs[page],
            "baseline B, a one-row write": runs[B],
            "baseline A, GET /healthz": runs[A],
        }
    pg = parts.get("postgresql")
    results["capacity"] = capacity.report(
        loads,
        {b: p["statements_note"] for b, p in parts.items()},
        results.get("mixer", []),
        write_rate=pg["figures"][B].rate if pg else None,
        cores=os.cpu_count() or 1,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, load.Figures | count_bench.Timing | mixer.MixerFigures):
        return value.as_dict()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _tool_version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError:
        return "not found"
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if text else "?"


class Clock:
    """Seconds of each section, in ``results["section_seconds"]``."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.laps: dict[str, float] = results.setdefault("section_seconds", {})
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now


def _loads(averages: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.1f}" for x in averages)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    backends = list(args.backend)
    problem = postgres_problem() if "postgresql" in backends else None
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "python": platform.python_version(),
            "wrk": _tool_version(["wrk", "-v"]) if load.have_wrk() else "not found",
            "platform": platform.platform(),
        },
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    if problem:
        backends.remove("postgresql")
        print(f"PostgreSQL not reachable, skipped: {problem}")
        results["postgresql_skipped"] = problem
    if not load.have_wrk():
        print("wrk not found (apt-get install wrk): every load runs on the Python client")
    with tempfile.TemporaryDirectory(prefix="microprojects-bench-") as tmp:
        workdir = Path(tmp)
        clock = Clock(results)
        if "http" in args.only:
            results["http"] = {}
            for backend in backends:
                print(f"HTTP on {backend}", flush=True)
                results["http"][backend] = http_backend(backend, args, workdir)
                clock.lap(f"http, {backend}")
            if problem:
                results["http"]["postgresql"] = {"skipped": problem}
        if "mixer" in args.only:
            print("The mixer", flush=True)
            results["mixer"] = mixer.mixer_part(args, backends, workdir)
            clock.lap("mixer")
        if "count" in args.only or "pabulib" in args.only:
            print("Count and Pabulib", flush=True)
            results["count"] = count_part(args, backends, workdir)
            clock.lap("count and Pabulib")
        if "phone" in args.only:
            print("Phone", flush=True)
            skipped = phone_bench.problem()
            results["phone"] = (
                {"skipped": skipped}
                if skipped
                else phone_bench.run(workdir, loads=1 if args.quick else 3)
            )
            clock.lap("phone")
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["goals"] = report(results, args)
    results["seconds"] = time.perf_counter() - began
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(_jsonable(results), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    print(
        f"\n{time.perf_counter() - began:.0f} s in all ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in results["section_seconds"].items())
        + f"); load average at the start {_loads(results['machine']['load_average_at_start'])}, "
        f"at the end {_loads(results['machine']['load_average_at_end'])}; "
        f"figures in {args.output}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
