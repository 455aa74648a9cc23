"""``flask pabulib tally``: count Pabulib files without the database and compare each with the
outcome it records.

One file prints its count project by project, then what the reader let pass, the caveats and
every difference from the recorded outcome in words. Several files (or a folder, read with its
subfolders) print one line per file and a summary per rule; ``--json`` prints one JSON object per
file and, for several files, a last line with the summary.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import click

from ..domain.pabulib import (
    Election,
    Leniency,
    Mismatch,
    PabulibError,
    TallySetup,
    UnsupportedRuleError,
    compare_with_recorded,
    read_pb,
    tally_setup,
)
from ..domain.tally import PABULIB_RULES, RULES, TallyResult
from ..domain.tally.greedy import DEFAULT_RESERVE_SHARE

# Words for the codes the count and the reader give (this command speaks English, as the files'
# research community does; the web pages word the app's own counts in zh-CN and en).
CAVEAT_WORDS: Mapping[str, str] = {
    "custom_rule_not_applied": (
        "META names greedy-custom, but its comment describes no rule counted here: counted as "
        "plain greedy"
    ),
    "exclusive_groups_not_found": (
        "META names greedy-exclusive, but no mutually exclusive projects could be read from its "
        "comment: counted as plain greedy"
    ),
    "threshold_missing": (
        "META names greedy-threshold but gives no min_project_score_threshold: counted without "
        "a threshold"
    ),
}
LENIENCY_WORDS: Mapping[str, str] = {
    "decimal_cost": "costs written with a decimal point, read exactly",
    "repeated_choice": "votes naming a project more than once, counted once",
    "stray_quote": 'rows with a stray " read as plain text',
}
SOURCE_WORDS: Mapping[str, str] = {
    "meta": "as META names it",
    "comment": "read from META's comment",
    "unit": "Poznań's rule, known from the unit (the comment gives no share)",
    "option": "given with --rule",
}
STATUS_WORDS: Mapping[str, str] = {
    "funded": "funded",
    "reserve": "funded from a reserve",
    "not_funded": "not funded",
}
MONEY_KEYS = ("cost", "remaining", "payment_per_voter", "supporters_money", "reserve")


def amount_text(value: int | Fraction | str, scale: int = 1) -> str:
    """An amount in currency units: exact when it has at most six decimals, else rounded to
    hundredths and marked with ~ (an MES payment such as 1000000/6586)."""
    exact = Fraction(value) / scale
    if exact.denominator == 1:
        return str(exact.numerator)
    for places in range(2, 7):  # cents as money is written: 20000.50
        shifted = exact * 10**places
        if shifted.denominator == 1:
            return str(Decimal(shifted.numerator).scaleb(-places))
    return "~" + str(Decimal(round(exact * 100)).scaleb(-2))


def explanation_words(explanation: Mapping[str, Any], scale: int = 1) -> str:
    """Why a project was or was not funded, in one phrase."""
    e = explanation
    code = e.get("code")

    def money(key: str) -> str:
        return amount_text(e[key], scale)

    if code == "funded":
        return f"{money('remaining')} was left, enough for its cost of {money('cost')}"
    if code == "funded_from_reserve":
        share = Fraction(e["reserve_share"])
        return (
            f"{money('remaining')} was left, less than its cost of {money('cost')} but at least "
            f"{amount_text(share * 100)}% of it, so a reserve paid the other {money('reserve')}"
        )
    if code == "did_not_fit":
        text = f"only {money('remaining')} was left, less than its cost of {money('cost')}"
        if e.get("reserve_share") is not None:
            share = Fraction(e["reserve_share"])
            text += f" and less than {amount_text(share * 100)}% of it, so no reserve paid"
        return text
    if code == "below_threshold":
        return f"its score {e['score']} is below the threshold of {e['threshold']}"
    if code == "excluded_by_group":
        return f"project {e['excluded_by']}, its alternative, was funded first"
    if code == "stopped_no_skip":
        return f"the count stopped at project {e['stopped_at']}, the first that did not fit"
    if code == "mes_bought":
        return (
            f"the Method of Equal Shares bought it in round {e['mes_round']}: its "
            f"{e['supporters']} supporters paid up to {money('payment_per_voter')} each"
        )
    if code == "mes_not_affordable":
        return (
            f"its {e['supporters']} supporters had only {money('supporters_money')} left, less "
            f"than its cost of {money('cost')}"
        )
    if code == "withdrawn":
        return "it was withdrawn (cost 999999999 in the file)"
    return str(code)


def difference_words(
    mismatch: Mismatch,
    explanation: Mapping[str, Any],
    scale: int = 1,
    *,
    meta_rule: str | None = None,
) -> str:
    """A difference from the recorded outcome: both outcomes and the reason. ``meta_rule`` is
    given when the count used another rule than the file's."""
    recorded = STATUS_WORDS[mismatch.expected]
    computed = STATUS_WORDS[mismatch.computed]
    text = (
        f"project {mismatch.project_id}: the file records it {recorded} "
        f"(selected={'' if mismatch.recorded is None else mismatch.recorded}); here it is "
        f"{computed}, because {explanation_words(explanation, scale)}"
    )
    if meta_rule is not None:
        text += f"; the file's outcome follows its own rule, {meta_rule}"
    elif mismatch.recorded == 3:
        text += "; selected=3 marks money added after the vote, which no file can explain"
    elif mismatch.recorded == 2 and mismatch.expected == "not_funded":
        text += (
            "; selected=2 marks a special case (such as a reserve) that this rule does not "
            "reproduce"
        )
    elif mismatch.expected == "not_funded":
        text += "; the file gives no reason for leaving it unfunded"
    return text


def _unscaled(explanation: Mapping[str, Any], scale: int) -> dict[str, Any]:
    """An explanation's amounts in currency units (exact strings), as the file writes them."""
    out = dict(explanation)
    if scale == 1:
        return out
    for key in MONEY_KEYS:
        if out.get(key) is not None:
            out[key] = _number(Fraction(out[key]) / scale)
    if "payments" in out:
        out["payments"] = [
            {**p, "amount": str(Fraction(p["amount"]) / scale)} for p in out["payments"]
        ]
    return out


def _number(value: Fraction) -> int | str:
    return value.numerator if value.denominator == 1 else str(value)


@dataclass
class Counted:
    """One file's count (or why it could not be counted) and its JSON form."""

    path: Path
    summary: dict[str, Any]
    election: Election | None = None
    setup: TallySetup | None = None
    result: TallyResult | None = None
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None

    @property
    def status(self) -> str:
        return str(self.summary["status"])


def count_file(path: Path, rule_name: str | None) -> Counted:
    """Read and count one file; a file that cannot be read or counted gives an error entry."""
    try:
        election = read_pb(path, group=True)
    except PabulibError as error:
        return _failed(path, f"line {error.line_no}: {error.message}")
    except (OSError, UnicodeDecodeError) as error:
        return _failed(path, f"cannot read the file: {error}")
    try:
        setup = tally_setup(election, rule_name)
    except UnsupportedRuleError as error:
        return _failed(
            path,
            f"META names the rule {error.rule!r}, which cannot be counted here; give one with "
            "--rule",
            election,
            status="not_counted",
        )
    result = setup.run()
    recorded_kept = election.has_recorded_outcome
    mismatches = compare_with_recorded(election, result) if recorded_kept else ()
    scale = setup.scale
    costs = {p.id: p.cost for p in election.projects}
    overridden = election.meta.get("rule", "") or "?" if setup.rule_source == "option" else None
    status = "counted" if not recorded_kept else "differs" if mismatches else "reproduced"
    summary: dict[str, Any] = {
        "file": path.name,
        "path": str(path),
        "status": status,
        "rule": setup.rule,
        "rule_source": setup.rule_source,
        "meta_rule": election.meta.get("rule", ""),
        "budget": str(election.budget),
        "voters": election.num_voters,
        "projects": len(election.projects),
        "selected": list(result.selected),
        "recorded": (
            [p.id for p in election.projects if p.selected in (1, 2)] if recorded_kept else None
        ),
        "matches": None if not recorded_kept else not mismatches,
        "cost": _number(Fraction(sum(Fraction(costs[i]) for i in result.selected))),
        "reserve_used": _number(setup.in_currency(result.reserve_used)),
        "caveats": list(setup.caveats),
        "leniencies": [leniency.to_dict() for leniency in election.leniencies],
        "differences": [
            {
                "project": m.project_id,
                "recorded": m.recorded,
                "expected": m.expected,
                "computed": m.computed,
                "computed_funded": m.computed_funded,
                "explanation": _unscaled(result.outcome(m.project_id).explanation.to_dict(), scale),
                "reason": difference_words(
                    m,
                    result.outcome(m.project_id).explanation.to_dict(),
                    scale,
                    meta_rule=overridden,
                ),
            }
            for m in mismatches
        ],
    }
    if setup.rule == "greedy-reserve":
        summary["reserve_share"] = str(setup.params.reserve_share or DEFAULT_RESERVE_SHARE)
    return Counted(path, summary, election, setup, result, mismatches)


def _failed(
    path: Path, message: str, election: Election | None = None, *, status: str = "error"
) -> Counted:
    """A file that could not be read (``error``) or whose rule is not counted here
    (``not_counted``)."""
    summary: dict[str, Any] = {
        "file": path.name,
        "path": str(path),
        "status": status,
        "error": message,
    }
    if election is not None:
        summary["meta_rule"] = election.meta.get("rule", "")
    return Counted(path, summary, election, error=message)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder gives its ``.pb`` files, subfolders included, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.pb") if p.is_file()))
        else:
            files.append(path)
    return files


@dataclass
class RuleSummary:
    files: int = 0
    reproduced: int = 0
    differs: int = 0
    counted: int = 0
    not_counted: int = 0
    error: int = 0
    differing: list[str] = field(default_factory=list)

    def add(self, counted: Counted) -> None:
        self.files += 1
        setattr(self, counted.status, getattr(self, counted.status) + 1)
        if counted.status == "differs":
            self.differing.append(counted.path.name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "reproduced": self.reproduced,
            "differs": self.differs,
            "counted": self.counted,
            "not_counted": self.not_counted,
            "error": self.error,
            "differing": self.differing,
        }


def summarise(results: Iterable[Counted]) -> dict[str, RuleSummary]:
    """Per rule applied (per META rule for files not counted, ``?`` for unreadable ones)."""
    by_rule: dict[str, RuleSummary] = {}
    for counted in results:
        key = str(counted.summary.get("rule") or counted.summary.get("meta_rule") or "?")
        by_rule.setdefault(key, RuleSummary()).add(counted)
    return dict(sorted(by_rule.items()))


def resolve_rule(given: str | None) -> str | None:
    name = (given or "").strip()
    if not name:
        return None
    if name in RULES or name.lower() in PABULIB_RULES:
        return name
    raise click.BadParameter(
        f"unknown rule {name!r}; choose one of {', '.join(sorted(RULES))}", param_hint="--rule"
    )


@click.command("tally")
@click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, path_type=Path),
)
@click.option(
    "--rule", "rule_name", help="A rule name (greedy, equal-shares, ...); META's by default."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON: one object per file (JSON lines)."
)
def pabulib_tally(paths: tuple[Path, ...], rule_name: str | None, as_json: bool) -> None:
    """Count .pb files (or folders of them) without touching the database, and compare each
    with the outcome it records."""
    rule = resolve_rule(rule_name)
    files = expand(paths)
    if not files:
        raise click.ClickException("no .pb files found in " + ", ".join(map(str, paths)))
    if len(files) == 1 and not paths[0].is_dir():
        counted = count_file(files[0], rule)
        if counted.error is not None:
            raise click.ClickException(f"{files[0]}: {counted.error}")
        if as_json:
            click.echo(json.dumps(counted.summary, ensure_ascii=False))
        else:
            for line in _single_report(counted):
                click.echo(line)
        return
    started = time.perf_counter()
    results: list[Counted] = []
    for path in files:
        counted = count_file(path, rule)
        results.append(counted)
        if as_json:
            click.echo(json.dumps(counted.summary, ensure_ascii=False))
        else:
            click.echo(_one_line(counted))
    seconds = time.perf_counter() - started
    by_rule = summarise(results)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "summary": {rule: s.to_dict() for rule, s in by_rule.items()},
                    "files": len(results),
                    "seconds": round(seconds, 3),
                },
                ensure_ascii=False,
            )
        )
    else:
        for line in _summary_lines(by_rule, len(results), seconds):
            click.echo(line)
    if any(c.status == "error" for c in results):
        raise SystemExit(1)


def _projects(number: int) -> str:
    return f"{number} project" if number == 1 else f"{number} projects"


def _one_line(counted: Counted) -> str:
    s = counted.summary
    if counted.status == "error":
        return f"{s['file']}: error: {s['error']}"
    if counted.status == "not_counted":
        return f"{s['file']}: not counted: {s['error']}"
    head = f"{s['file']}: rule {s['rule']} (META: {s['meta_rule']})"
    if counted.status == "reproduced":
        tail = "reproduces the recorded outcome"
    elif counted.status == "counted":
        tail = f"counted, {len(s['selected'])} funded (the file records no outcome)"
    else:
        tail = f"differs from the recorded outcome in {_projects(len(s['differences']))}"
    caveats = len(s["caveats"])
    lenient = sum(x["count"] for x in s["leniencies"])
    extras = [f"{caveats} caveat" + ("s" if caveats > 1 else "")] if caveats else []
    extras += [f"{lenient} read leniently"] if lenient else []
    return f"{head}: {tail}" + (f" ({', '.join(extras)})" if extras else "")


def _summary_lines(by_rule: Mapping[str, RuleSummary], files: int, seconds: float) -> Iterator[str]:
    yield f"{files} files in {seconds:.1f} s"
    yield (
        f"{'rule':<26} {'files':>6} {'reproduced':>11} {'differs':>8} {'no outcome':>11} "
        f"{'rule unknown':>13} {'errors':>7}"
    )
    for rule, s in by_rule.items():
        yield (
            f"{rule:<26} {s.files:>6} {s.reproduced:>11} {s.differs:>8} {s.counted:>11} "
            f"{s.not_counted:>13} {s.error:>7}"
        )


def _leniency_line(leniency: Leniency) -> str:
    words = LENIENCY_WORDS.get(leniency.code, leniency.code)
    lines = ", ".join(map(str, leniency.lines))
    more = ", ..." if leniency.count > len(leniency.lines) else ""
    label = "line" if len(leniency.lines) == 1 else "lines"
    return f"  {words}: {leniency.count} ({label} {lines}{more})"


def _single_report(counted: Counted) -> Iterator[str]:
    assert counted.election is not None and counted.setup is not None
    assert counted.result is not None
    election, setup, result, s = counted.election, counted.setup, counted.result, counted.summary
    scale = setup.scale
    source = SOURCE_WORDS[setup.rule_source]
    if setup.rule == "greedy-reserve":
        share = amount_text(Fraction(s["reserve_share"]) * 100)
        source += f"; a reserve pays for the next project if {share}% of it is left"
    yield f"{s['file']}: rule {setup.rule} ({source}; META: {s['meta_rule']}), budget " + (
        amount_text(election.budget)
    )
    yield f"{election.num_voters} voters, {len(election.projects)} projects"
    yield f"{'project':>10} {'cost':>12} {'score':>8} {'rank':>5}  funded  reason"
    for outcome in result.outcomes:
        code = outcome.explanation.code
        mark = "reserve" if code == "funded_from_reserve" else ("yes" if outcome.funded else "-")
        yield (
            f"{outcome.project_id:>10} {amount_text(outcome.cost, scale):>12} "
            f"{outcome.score:>8} {outcome.rank:>5}  {mark:>6}  {code}"
        )
    line = f"funded {len(result.selected)} projects costing {amount_text(result.cost_used, scale)}"
    if result.reserve_used:
        line += f", of which a reserve paid {amount_text(result.reserve_used, scale)}"
    yield line
    if election.leniencies:
        yield "read leniently:"
        for leniency in election.leniencies:
            yield _leniency_line(leniency)
    if setup.caveats:
        yield "caveats:"
        for caveat in setup.caveats:
            yield f"  {CAVEAT_WORDS.get(caveat, caveat)}"
    if s["matches"] is None:
        yield "the file records no outcome to compare with"
    elif s["matches"]:
        yield "matches the recorded outcome"
    else:
        yield f"differs from the recorded outcome in {_projects(len(s['differences']))}:"
        for diff in s["differences"]:
            yield f"  {diff['reason']}"
