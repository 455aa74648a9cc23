"""The count, and Pabulib import and export, on the real elections of ``../shared/pabulib``.

- file to result: read the file and run its rule (:mod:`microprojects.domain`, no database);
- result from the database: the election imported once, then ``counting.run_count`` (the
  committee's button: reads the ballots, builds the canonical export and its SHA-256, runs the
  rule, stores the snapshot) and ``canonical_export`` + the rule alone;
- import and export of the largest file, each in a process of its own (:mod:`bench.pbio`) for
  its time and peak memory;
- pabutools' MES + Add1 on Wieliczka, only if ``import pabutools`` works (never a dependency).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from .load import ROOT

PABULIB = ROOT.parent / "shared" / "pabulib"
LARGEST = "Poland_Lodz_2022.pb"
MES_FILE = "Poland_Wieliczka_2023_Green_Budget.pb"
PABUTOOLS_REFERENCE_SECONDS = 70.0  # the issue's figure for pabutools' MES + Add1 on Wieliczka
T = TypeVar("T")


@dataclass
class Timing:
    """Wall-clock seconds and, for work done in this process alone, its CPU seconds (steadier
    than wall time when other people's work shares the cores)."""

    name: str
    seconds: float
    detail: str
    backend: str = "-"
    runs: int = 1
    extra: dict[str, Any] | None = None
    cpu_seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "backend": self.backend,
            "seconds": round(self.seconds, 4),
            "cpu_seconds": None if self.cpu_seconds is None else round(self.cpu_seconds, 4),
            "runs": self.runs,
            "detail": self.detail,
            **(self.extra or {}),
        }


def best_of(runs: int, work: Callable[[], T]) -> tuple[float, T]:
    seconds, _, value = best_of_cpu(runs, work)
    return seconds, value


def best_of_cpu(runs: int, work: Callable[[], T]) -> tuple[float, float, T]:
    """The best wall-clock and the best CPU time (this process) of ``runs`` runs."""
    best = best_cpu = float("inf")
    value: T | None = None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        value = work()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    assert value is not None
    return best, best_cpu, value


def available() -> bool:
    return (PABULIB / LARGEST).is_file() and (PABULIB / MES_FILE).is_file()


def file_to_result(runs: int) -> tuple[list[Timing], float]:
    """The domain alone. Returns the timings and our MES + Add1 CPU time on Wieliczka."""
    from microprojects.domain.pabulib import compare_with_recorded, read_pb, run_tally, tally_setup
    from microprojects.domain.tally import RULES

    rows: list[Timing] = []
    lodz = PABULIB / LARGEST
    recorded = read_pb(lodz, group=True)
    for group in (True, False):
        seconds, cpu, result = best_of_cpu(runs, lambda g=group: run_tally(read_pb(lodz, group=g)))
        ok = compare_with_recorded(recorded, result) == ()
        rows.append(
            Timing(
                f"Lodz 2022 file -> result ({'grouped' if group else 'per voter'})",
                seconds,
                f"{result.num_voters:,} voters, {len(result.selected)} funded, matches file: {ok}",
                runs=runs,
                cpu_seconds=cpu,
            )
        )
    wieliczka = PABULIB / MES_FILE
    seconds, cpu, result = best_of_cpu(runs, lambda: run_tally(read_pb(wieliczka, group=True)))
    rows.append(
        Timing(
            "Wieliczka file -> result (its rule: MES + Add1, compared with greedy)",
            seconds,
            f"{len(result.selected)} funded, matches file: "
            f"{compare_with_recorded(read_pb(wieliczka, group=True), result) == ()}",
            runs=runs,
            cpu_seconds=cpu,
        )
    )
    rows.append(whole_folder(runs))
    election = read_pb(wieliczka, group=True)
    setup = tally_setup(election)
    args = (setup.budget, setup.projects, setup.ballots, setup.params)
    mes_seconds, mes_cpu, mes = best_of_cpu(runs, partial(RULES["equal-shares"], *args))
    assert mes.mes is not None
    rows.append(
        Timing(
            "Wieliczka MES + Add1, rule only (equal-shares)",
            mes_seconds,
            f"{len(mes.selected)} funded, cost {mes.cost_used:,}, {mes.mes.runs} MES runs, "
            f"matches file: {compare_with_recorded(election, mes) == ()}",
            runs=runs,
            extra={"selected": sorted(mes.selected)},
            cpu_seconds=mes_cpu,
        )
    )
    return rows, mes_cpu


def whole_folder(runs: int) -> Timing:
    """``flask pabulib tally ../shared/pabulib``'s work: every file there and in families/,
    read, counted with its rule and compared with its recorded outcome, one after another."""
    from microprojects.cli.pabulib_tally import count_file, expand

    files = expand([PABULIB])

    def count_all() -> list[str]:
        return [count_file(path, None).status for path in files]

    seconds, cpu, statuses = best_of_cpu(runs, count_all)
    tally = {status: statuses.count(status) for status in sorted(set(statuses))}
    return Timing(
        "every file of ../shared/pabulib and families/ (read, count, compare)",
        seconds,
        f"{len(files)} files: " + ", ".join(f"{n} {status}" for status, n in tally.items()),
        runs=runs,
        cpu_seconds=cpu,
        extra={"statuses": tally},
    )


def pabutools_mes(selected: list[str]) -> tuple[Timing | None, str]:
    """pabutools' MES + Add1 (Cost_Sat, budget raised by one unit per voter) on Wieliczka, once,
    and whether its outcome equals ours. None and a note when pabutools is not importable."""
    try:
        from pabutools.election import Cost_Sat, parse_pabulib  # type: ignore[import-not-found]
        from pabutools.rules import (  # type: ignore[import-not-found]
            exhaustion_by_budget_increase,
            method_of_equal_shares,
        )
    except ImportError:
        return None, (
            f"pabutools not installed; reference {PABUTOOLS_REFERENCE_SECONDS:.0f} s from the issue"
        )
    instance, profile = parse_pabulib(str(PABULIB / MES_FILE))
    start, start_cpu = time.perf_counter(), time.process_time()
    try:
        outcome = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": Cost_Sat},
            exhaustive_stop=False,
            budget_step=len(profile),
        )
    except TypeError as error:  # an older pabutools without exhaustive_stop / budget_step
        return None, f"pabutools present but unsupported ({error}); reference 70 s from the issue"
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    theirs = sorted(str(p.name) for p in outcome)
    same = theirs == sorted(selected)
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        version = dist_version("pabutools")
    except PackageNotFoundError:
        version = "?"
    return (
        Timing(
            f"pabutools {version} MES + Add1 on Wieliczka (once)",
            seconds,
            f"{len(theirs)} funded, same outcome as ours: {same}",
            extra={"same_outcome": same},
            cpu_seconds=cpu,
        ),
        "",
    )


def _pbio(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.pbio", *args],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"bench.pbio {args[0]} failed:\n{done.stderr[-2000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("PBIO_JSON "))
    return dict(json.loads(line.removeprefix("PBIO_JSON ")))


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def from_database(database_url: str, backend: str, runs: int) -> list[Timing]:
    """Import (own process), count from the database, export (own process), per backend."""
    from microprojects.models import Cycle, utcnow
    from microprojects.services import counting

    from .seed import setup_app

    rows: list[Timing] = []
    app = setup_app(database_url)
    for filename, slug in ((LARGEST, "bench-lodz"), (MES_FILE, "bench-wieliczka")):
        short = filename.split("_")[1] + " " + filename.split("_")[2]
        imported = _pbio("import", database_url, str(PABULIB / filename), slug)
        if filename == LARGEST:
            rows.append(
                Timing(
                    f"{short} import (read + write, per voter like the CLI)",
                    imported["seconds"],
                    f"{imported['ballots']:,} ballots; read {imported['read_seconds']:.2f} s, "
                    f"write {imported['write_seconds']:.2f} s; peak RSS "
                    f"{_mib(imported['peak_rss_kib'])} (start {_mib(imported['start_rss_kib'])})",
                    backend=backend,
                    extra=imported,
                )
            )
        cycle_id = int(imported["cycle"])
        with app.app_context():
            from microprojects.extensions import db

            cycle = db.session.get(Cycle, cycle_id)
            assert cycle is not None
            started = time.perf_counter()
            count = counting.run_count(None, cycle, now=utcnow())
            first = time.perf_counter() - started
            recounts = [first]
            for n in range(runs - 1):
                started = time.perf_counter()
                counting.run_count(None, cycle, now=utcnow(), reason=f"bench recount {n}")
                recounts.append(time.perf_counter() - started)
            funded = sum(1 for o in count.outcomes if o.funded)
            rows.append(
                Timing(
                    f"{short} result from the database (run_count, stores the snapshot)",
                    min(recounts),
                    f"{count.num_ballots:,} ballots, rule {count.rule}, {funded} funded",
                    backend=backend,
                    runs=runs,
                )
            )

            def export_and_rule(c: Cycle = cycle) -> Any:
                export = counting.canonical_export(c)
                return export.setup.run()

            seconds, result = best_of(runs, export_and_rule)
            rows.append(
                Timing(
                    f"{short} result from the database (canonical_export + rule)",
                    seconds,
                    f"same funded set as the stored count: "
                    f"{sorted(result.selected) == sorted(count.result['selected'])}",
                    backend=backend,
                    runs=runs,
                )
            )
            db.session.remove()
            db.engine.dispose()
        if filename == LARGEST:
            with tempfile.TemporaryDirectory() as tmp:
                exported = _pbio("export", database_url, str(cycle_id), f"{tmp}/out.pb")
            rows.append(
                Timing(
                    f"{short} export (shuffled file, like the CLI)",
                    exported["seconds"],
                    f"{exported['bytes'] / 1e6:.1f} MB; peak RSS "
                    f"{_mib(exported['peak_rss_kib'])} (start {_mib(exported['start_rss_kib'])})",
                    backend=backend,
                    extra=exported,
                )
            )
    return rows
