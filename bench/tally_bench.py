"""Time the count on the largest real election and MES + Add1 on Wieliczka.

Run from the repository root: ``python bench/tally_bench.py``. It reads the real Pabulib files in
place from ``../shared/pabulib`` (a sibling of the repository root) and prints best-of-3 wall
times (time.perf_counter) and whether each outcome equals the one the file records. With
``--pabutools``, and only if pabutools is importable, its MES + Add1 on Wieliczka is timed once
for comparison (it takes about a minute); pabutools is never required.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from microprojects.domain.pabulib import (  # noqa: E402  (needs the path set above)
    compare_with_recorded,
    read_pb,
    run_tally,
    tally_setup,
)
from microprojects.domain.tally import RULES, TallyResult  # noqa: E402

PABULIB = ROOT / ".." / "shared" / "pabulib"
T = TypeVar("T")


def best_of(runs: int, work: Callable[[], T]) -> tuple[float, T]:
    best = float("inf")
    value: T | None = None
    for _ in range(runs):
        start = time.perf_counter()
        value = work()
        best = min(best, time.perf_counter() - start)
    assert value is not None
    return best, value


def file_to_result(path: Path, *, group: bool) -> Callable[[], TallyResult]:
    return lambda: run_tally(read_pb(path, group=group))


def main() -> int:
    if not PABULIB.is_dir():
        print("../shared/pabulib not found: the real Pabulib elections are not available here")
        return 1
    lodz = PABULIB / "Poland_Lodz_2022.pb"
    wieliczka = PABULIB / "Poland_Wieliczka_2023_Green_Budget.pb"
    rows: list[tuple[str, float, str]] = []

    recorded = read_pb(lodz, group=True)
    for group in (False, True):
        seconds, result = best_of(3, file_to_result(lodz, group=group))
        ok = compare_with_recorded(recorded, result) == ()
        label = f"Lodz 2022 file->result ({'grouped while reading' if group else 'per voter'})"
        rows.append((label, seconds, f"{len(result.selected)} funded, matches file: {ok}"))

    seconds, election = best_of(3, lambda: read_pb(wieliczka, group=True))
    rows.append(("Wieliczka parse (grouped)", seconds, f"{len(election.ballots)} distinct ballots"))
    setup = tally_setup(election)
    setup_args = (setup.budget, setup.projects, setup.ballots, setup.params)
    for name in ("equal-shares", "equal-shares-comparison"):
        seconds, result = best_of(3, partial(RULES[name], *setup_args))
        ok = compare_with_recorded(election, result) == ()
        assert result.mes is not None
        detail = (
            f"{len(result.selected)} projects, cost {result.cost_used:,}, "
            f"{result.mes.runs} MES runs ({result.mes.exact_runs} exact), matches file: {ok}"
        )
        rows.append((f"Wieliczka {name} (MES + Add1)", seconds, detail))

    rows += _pabutools(wieliczka)

    width = max(len(label) for label, _, _ in rows)
    print(f"{'case':<{width}}  {'best of 3':>10}  outcome")
    for label, seconds, detail in rows:
        print(f"{label:<{width}}  {seconds:>9.3f}s  {detail}")
    return 0


def _pabutools(path: Path) -> list[tuple[str, float, str]]:
    """pabutools' MES + Add1 on the same file, only with --pabutools (about a minute)."""
    if "--pabutools" not in sys.argv:
        return []
    try:
        from pabutools.election import Cost_Sat, parse_pabulib  # type: ignore[import-not-found]
        from pabutools.rules import (  # type: ignore[import-not-found]
            exhaustion_by_budget_increase,
            method_of_equal_shares,
        )
    except ImportError:
        return [("pabutools", 0.0, "not installed; skipped")]
    instance, profile = parse_pabulib(str(path))
    start = time.perf_counter()
    try:
        outcome = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": Cost_Sat},
            exhaustive_stop=False,
            budget_step=len(profile),
        )
    except TypeError as exc:  # older pabutools without exhaustive_stop / budget_step
        return [("pabutools MES + Add1", 0.0, f"unsupported pabutools version: {exc}")]
    seconds = time.perf_counter() - start
    cost = sum(int(p.cost) for p in outcome)
    return [("pabutools MES + Add1 (once)", seconds, f"{len(outcome)} projects, cost {cost:,}")]


if __name__ == "__main__":
    raise SystemExit(main())
