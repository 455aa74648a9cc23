"""Pabulib ``.pb`` files: a streaming parser, a writer, and the mapping from a file's META to a
counting rule of :mod:`microprojects.domain.tally`.

Format (pabulib.org/format): UTF-8 text in three sections, each a title line (``META``,
``PROJECTS``, ``VOTES``), a header line, then rows; fields separated by ``;`` with CSV-style ``"``
quoting. The parser reads the input line by line (the file is never loaded whole), checks the
structure and raises :class:`PabulibError` naming the offending line.

Budgets: META ``budget`` may be a decimal (``1920218.79``); it is read with ``Decimal`` and kept
exact as a ``Fraction``.

Lenient where the format allows, strict where it matters. Each leniency is counted, with the lines
it was used on, in :attr:`Election.leniencies`:

* ``decimal_cost``: a cost written with a decimal point. ``4000.0`` is read as 4000; a cost with
  a fractional part (``1234.5``) is kept exact, and :func:`tally_setup` counts the whole election
  in the smallest unit the costs need (see :attr:`TallySetup.scale`).
* ``repeated_choice``: a vote naming a project more than once. The voter chose it once: approval
  and ordinal votes keep its first place; cumulative votes add its points up (points cumulate);
  scoring votes must give it the same score each time, or the line is refused.
* ``stray_quote``: a row that is not valid CSV, or has the wrong number of fields, because of a
  ``"`` that opens no quoted field (``"Boisko" Orlik``, an unclosed ``"``). When the physical line
  read with ``"`` as plain text has the header's number of fields, that reading is taken;
  otherwise the line is refused as before.

Withdrawn projects: Pabulib marks them with the artificial cost 999999999; :func:`tally_setup`
puts their ids into ``TallyParams.withdrawn`` so no rule funds them and they are explained as
``withdrawn``.

Exclusive groups (``greedy-exclusive``): Pabulib gives them only in META ``comment`` prose. Any
``#n:`` part of the comment that mentions exclusivity ("exclusive", Polish "wyklucza"/
"alternatyw") is split into clauses at ``;`` or sentence ends, and each clause naming two or more
project ids becomes one group. This is a best effort: when nothing can be parsed the setup carries
the caveat ``exclusive_groups_not_found`` (the case of Warszawa 2024 Wesoła, whose comment does not
list any exclusive projects; its recorded outcome is plain greedy anyway). :func:`write_pb` writes
groups in a form this parser reads back.

Imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, TextIO, TypeAlias

from .tally import PABULIB_RULES, RULES
from .tally.base import (
    VOTE_TYPES,
    Ballot,
    Project,
    TallyParams,
    TallyResult,
    VoteType,
)
from .tally.greedy import DEFAULT_RESERVE_SHARE

WITHDRAWN_COST = 999_999_999
SECTIONS = ("META", "PROJECTS", "VOTES")
REQUIRED_META = (
    "description",
    "country",
    "unit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
    "date_begin",
    "date_end",
)
POINTS_VOTE_TYPES = frozenset({"cumulative", "scoring"})
# How write_pb names exclusive groups in META comment; tally_setup reads groups back under any
# rule when the comment carries it (other files only under greedy-exclusive).
GROUPS_MARK = "Mutually exclusive projects:"

MetaValue: TypeAlias = str | int | Fraction | Decimal
Source: TypeAlias = str | os.PathLike[str] | TextIO


class PabulibError(ValueError):
    """Malformed Pabulib input; ``line_no`` is the 1-based line where it was found."""

    def __init__(self, line_no: int, message: str) -> None:
        super().__init__(f"line {line_no}: {message}")
        self.line_no = line_no
        self.message = message


class UnsupportedRuleError(ValueError):
    """META ``rule`` names a rule this project cannot count."""

    def __init__(self, rule: str) -> None:
        super().__init__(f"unsupported Pabulib rule {rule!r}")
        self.rule = rule


@dataclass(frozen=True, slots=True)
class Leniency:
    """What the parser let pass (see the module docstring): how often, and the first lines."""

    code: str
    count: int
    lines: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "count": self.count, "lines": list(self.lines)}


LENIENCY_LINES_KEPT = 10


class _Leniencies:
    """Collects leniencies while parsing, keeping the first few line numbers of each."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lines: dict[str, list[int]] = {}

    def add(self, code: str, line: int) -> None:
        self._counts[code] = self._counts.get(code, 0) + 1
        lines = self._lines.setdefault(code, [])
        if len(lines) < LENIENCY_LINES_KEPT:
            lines.append(line)

    def result(self) -> tuple[Leniency, ...]:
        return tuple(
            Leniency(code, count, tuple(self._lines[code])) for code, count in self._counts.items()
        )


@dataclass(frozen=True, slots=True)
class PbProject:
    """A PROJECTS row. ``fields`` keeps every column as read (for round trips and display).

    ``cost`` is an ``int``, or an exact ``Fraction`` when the file gives it a fractional part.
    """

    id: str
    cost: int | Fraction
    name: str | None = None
    category: tuple[str, ...] = ()
    selected: int | None = None
    votes: int | None = None
    score: int | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    # Only for writing: the exclusive group, written into META comment (see write_pb).
    group: str | None = None

    @property
    def withdrawn(self) -> bool:
        return self.cost == WITHDRAWN_COST


@dataclass(frozen=True, slots=True)
class Election:
    """A parsed file. ``ballots`` has one entry per voter (``voter_ids`` parallel to it) unless
    the file was read with ``group=True``; then identical ballots are merged with weights and
    ``voter_ids`` is empty."""

    meta: Mapping[str, str]
    projects: tuple[PbProject, ...]
    ballots: tuple[Ballot, ...]
    voter_ids: tuple[str, ...] = ()
    leniencies: tuple[Leniency, ...] = ()

    @property
    def budget(self) -> Fraction:
        return Fraction(Decimal(self.meta["budget"]))

    @property
    def vote_type(self) -> VoteType:
        return _vote_type(self.meta["vote_type"])

    @property
    def num_voters(self) -> int:
        return sum(b.weight for b in self.ballots)

    def grouped_ballots(self) -> tuple[Ballot, ...]:
        return group_ballots(self.ballots, ordered=self.vote_type not in ("approval", "choose-1"))

    def recorded_selection(self) -> frozenset[str]:
        """Ids the file records as funded (``selected == 1``)."""
        return frozenset(p.id for p in self.projects if p.selected == 1)

    @property
    def has_recorded_outcome(self) -> bool:
        """Whether the file says which projects were funded (a ``selected`` value)."""
        return any(p.selected is not None for p in self.projects)


# ---------------------------------------------------------------------------------------------
# Parsing


def read_pb(source: Source, *, group: bool = False) -> Election:
    """Parse a ``.pb`` file from a path or an open text stream.

    Paths are opened as UTF-8 (a byte-order mark is tolerated). A stream should be opened with
    ``newline=""`` so quoted fields may span lines. ``group=True`` merges identical ballots while
    reading, which keeps memory small for large files.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as stream:
            return _parse(stream, group=group)
    return _parse(source, group=group)


def parse_pb_text(text: str, *, group: bool = False) -> Election:
    return _parse(io.StringIO(text, newline=""), group=group)


_INT_RE = re.compile(r"[+-]?[0-9]+")
_TITLE_LIKE = re.compile(r"[A-Z][A-Z_]{2,}")
_NEXT_SECTION: dict[str, str | None] = {
    "": "META",
    "META": "PROJECTS",
    "PROJECTS": "VOTES",
    "VOTES": None,
}


def _int(text: str, line: int, what: str) -> int:
    value = text.strip()
    if not _INT_RE.fullmatch(value):
        raise PabulibError(line, f"{what} must be an integer, got {text!r}")
    return int(value)


def _vote_type(value: str) -> VoteType:
    for vote_type in VOTE_TYPES:
        if value == vote_type:
            return vote_type
    raise ValueError(f"unknown vote_type {value!r}")


def _header(row: list[str], line: int, section: str, required: tuple[str, ...]) -> list[str]:
    names = [name.strip() for name in row]
    if len(set(names)) != len(names):
        raise PabulibError(line, f"duplicate column in {section} header")
    for name in required:
        if name not in names:
            raise PabulibError(line, f"{section} header lacks column {name!r}")
    return names


def _is_blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


def _title(row: list[str], section: str, line: int) -> str | None:
    """The section a title row opens (checked against the expected order), else None."""
    if len(row) != 1:
        return None
    text = row[0].strip()
    if text.upper() in SECTIONS:
        title = text.upper()
        expected = _NEXT_SECTION[section]
        if title != expected:
            raise PabulibError(line, f"{expected or 'no more sections'} expected, found {title}")
        return title
    if _TITLE_LIKE.fullmatch(text):
        raise PabulibError(line, f"unknown section title {text!r}")
    return None


class _Lines:
    """The physical lines handed to csv.reader, numbered, with those of the current row kept so
    that a row misread because of a stray quote can be read again (see :class:`_Reader`)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending: list[str] = []
        self.taken: list[str] = []
        self.number = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._pending.pop() if self._pending else next(self._stream)
        self.number += 1
        self.taken.append(line)
        return line

    def push_back(self, lines: list[str]) -> None:
        """Hand ``lines`` out again, in order, before reading on."""
        self._pending.extend(reversed(lines))
        self.number -= len(lines)


class _Reader:
    """csv.reader that reports the line number and turns CSV/decoding errors into PabulibError.

    With ``width`` set (the header's number of fields), a row that is bad CSV or has another
    number of fields is read again from its first physical line with ``"`` as plain text; if that
    gives ``width`` fields, it is taken (a ``stray_quote`` leniency) and any further lines the
    misreading swallowed are read again.
    """

    def __init__(self, stream: TextIO, leniencies: _Leniencies) -> None:
        self._lines = _Lines(stream)
        self._csv = csv.reader(self._lines, delimiter=";", quotechar='"', strict=True)
        self._leniencies = leniencies
        self.width: int | None = None

    @property
    def line(self) -> int:
        return self._lines.number

    def __iter__(self) -> _Reader:
        return self

    def __next__(self) -> list[str]:
        taken = self._lines.taken
        taken.clear()
        try:
            row = next(self._csv)
        except csv.Error as exc:
            retry = self._as_text()
            if retry is None:
                # Where the row began: an unclosed quote runs on to the end of the file.
                first = self._lines.number - max(len(taken), 1) + 1
                raise PabulibError(first, f"bad CSV: {exc}") from None
            return retry
        except UnicodeDecodeError as exc:
            raise PabulibError(self._lines.number + 1, f"not UTF-8: {exc.reason}") from None
        if self.width is not None and len(row) != self.width and (len(row) > 1 or len(taken) > 1):
            retry = self._as_text()
            if retry is not None:
                return retry
        return row

    def _as_text(self) -> list[str] | None:
        taken = self._lines.taken
        if self.width is None or not taken or '"' not in taken[0]:
            return None
        first = taken[0].rstrip("\r\n")
        row = next(csv.reader([first], delimiter=";", quoting=csv.QUOTE_NONE))
        if len(row) != self.width:
            return None
        rest = taken[1:]
        self._lines.push_back(rest)
        del taken[1:]
        self._leniencies.add("stray_quote", self._lines.number)
        return row


def _parse(stream: TextIO, *, group: bool) -> Election:
    leniencies = _Leniencies()
    reader = _Reader(stream, leniencies)
    section = ""
    header: list[str] | None = None
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: list[PbProject] = []
    known: set[str] = set()
    vote_type: VoteType = "approval"

    # META and PROJECTS are small; VOTES gets its own tight loop below.
    for row in reader:
        line = reader.line
        if _is_blank(row):
            continue
        title = _title(row, section, line)
        if title is not None:
            if title == "PROJECTS":
                vote_type = _check_meta(meta, meta_lines, line)
            section, header = title, None
            reader.width = None
            continue
        if section == "":
            raise PabulibError(line, "file must start with the META section title")
        if header is None:
            if section == "META":
                header = _header(row, line, section, ("key", "value"))
                if len(header) != 2:
                    raise PabulibError(line, "META header must be 'key;value'")
            elif section == "PROJECTS":
                header = _header(row, line, section, ("project_id", "cost"))
            else:
                header = _header(row, line, section, ("voter_id", "vote"))
                reader.width = len(header)
                break
            reader.width = len(header)
            continue
        if len(row) != len(header):
            raise PabulibError(line, f"expected {len(header)} fields, got {len(row)}")
        if section == "META":
            key = row[0].strip()
            if not key:
                raise PabulibError(line, "empty META key")
            if key in meta:
                raise PabulibError(line, f"duplicate META key {key!r}")
            meta[key] = row[1].strip()
            meta_lines[key] = line
        else:
            project = _project(dict(zip(header, row, strict=True)), line, leniencies)
            if project.id in known:
                raise PabulibError(line, f"duplicate project id {project.id!r}")
            known.add(project.id)
            projects.append(project)

    if section != "VOTES" or header is None:
        missing = _NEXT_SECTION[section] if section != "VOTES" else "VOTES header"
        raise PabulibError(reader.line + 1, f"unexpected end of file: {missing} missing")
    if vote_type in POINTS_VOTE_TYPES and "points" not in header:
        raise PabulibError(reader.line, f"{vote_type} votes need a 'points' column")
    ballots, voter_ids = _votes(
        reader, header, known, group=group, vote_type=vote_type, leniencies=leniencies
    )
    num_voters = sum(b.weight for b in ballots)
    _check_counts(meta, meta_lines, len(projects), num_voters)
    return Election(
        meta=meta,
        projects=tuple(projects),
        ballots=ballots,
        voter_ids=tuple(voter_ids),
        leniencies=leniencies.result(),
    )


def _votes(
    reader: _Reader,
    header: list[str],
    known: set[str],
    *,
    group: bool,
    vote_type: VoteType,
    leniencies: _Leniencies,
) -> tuple[tuple[Ballot, ...], list[str]]:
    ordered = vote_type not in ("approval", "choose-1")
    width = len(header)
    vote_col = header.index("vote")
    points_col = header.index("points") if "points" in header else -1
    seen: set[str] = set()
    voter_ids: list[str] = []
    ballots: list[Ballot] = []
    # Grouping while reading keeps one Ballot per distinct vote instead of one per voter.
    counts: dict[tuple[tuple[str, ...], tuple[int, ...] | None], int] = {}
    is_known = known.issuperset
    for row in reader:
        if len(row) != width:
            line = reader.line
            if _is_blank(row):
                continue
            _title(row, "VOTES", line)
            raise PabulibError(line, f"expected {width} fields, got {len(row)}")
        voter = row[0]
        if voter in seen or not voter.strip():
            raise PabulibError(reader.line, f"duplicate or empty voter_id {voter!r}")
        seen.add(voter)
        vote = row[vote_col]
        choices = tuple(vote.split(",")) if vote else ()
        if " " in vote:
            choices = tuple(c.strip() for c in choices)
        if not is_known(choices):
            bad = next(c for c in choices if c not in known)
            raise PabulibError(reader.line, f"vote names unknown project id {bad!r}")
        points: tuple[int, ...] | None = None
        if points_col >= 0:
            points = _points(row[points_col], len(choices), reader.line)
        if len(choices) > 1 and len(set(choices)) != len(choices):
            choices, points = _once_each(choices, points, vote_type, reader.line)
            leniencies.add("repeated_choice", reader.line)
        if group:
            key = (choices, points)
            counts[key] = counts.get(key, 0) + 1
        else:
            ballots.append(Ballot(choices, points))
            voter_ids.append(voter.strip())
    if group:
        weighted = (Ballot(c, p, w) for (c, p), w in counts.items())
        return group_ballots(weighted, ordered=ordered), []
    return tuple(ballots), voter_ids


def _once_each(
    choices: tuple[str, ...], points: tuple[int, ...] | None, vote_type: VoteType, line: int
) -> tuple[tuple[str, ...], tuple[int, ...] | None]:
    """A vote naming a project more than once, with each project once: its first place kept;
    cumulative points added up; scoring votes must repeat the same score."""
    if points is None:
        return tuple(dict.fromkeys(choices)), None
    merged: dict[str, int] = {}
    for pid, value in zip(choices, points, strict=True):
        if pid not in merged:
            merged[pid] = value
        elif vote_type == "cumulative":
            merged[pid] += value
        elif merged[pid] != value:
            raise PabulibError(line, f"vote gives project {pid!r} two different scores")
    return tuple(merged), tuple(merged.values())


def _points(text: str, expected: int, line: int) -> tuple[int, ...]:
    text = text.strip()
    points = tuple(_int(p, line, "points") for p in text.split(",")) if text else ()
    if len(points) != expected:
        raise PabulibError(line, f"{expected} projects but {len(points)} points")
    return points


def _check_meta(meta: dict[str, str], meta_lines: dict[str, int], line: int) -> VoteType:
    for key in ("budget", "vote_type"):
        if key not in meta:
            raise PabulibError(line, f"META lacks {key!r}")
    try:
        budget = Decimal(meta["budget"])
    except InvalidOperation:
        raise PabulibError(meta_lines["budget"], "budget must be a decimal number") from None
    if not budget.is_finite() or budget < 0:
        raise PabulibError(meta_lines["budget"], "budget must be a non-negative number")
    try:
        vote_type = _vote_type(meta["vote_type"])
    except ValueError:
        message = f"unknown vote_type {meta['vote_type']!r}"
        raise PabulibError(meta_lines["vote_type"], message) from None
    for key in ("num_projects", "num_votes", "min_project_score_threshold", "max_length"):
        if meta.get(key, "") != "":
            _int(meta[key], meta_lines[key], key)
    return vote_type


def _check_counts(
    meta: dict[str, str], meta_lines: dict[str, int], num_projects: int, num_votes: int
) -> None:
    for key, actual in (("num_projects", num_projects), ("num_votes", num_votes)):
        if meta.get(key, "") != "" and int(meta[key]) != actual:
            raise PabulibError(meta_lines[key], f"{key} is {meta[key]} but the file has {actual}")


def _optional_int(fields: dict[str, str], name: str, line: int) -> int | None:
    text = fields.get(name, "").strip()
    if text in ("", "None"):
        return None
    return _int(text, line, name)


_DECIMAL_RE = re.compile(r"[+-]?[0-9]+\.[0-9]*")


def _cost(text: str, line: int, leniencies: _Leniencies) -> int | Fraction:
    """An integer cost, or one written with a decimal point (``4000.0``, ``1234.50``): integral
    values become ``int``, others an exact ``Fraction``."""
    value = text.strip()
    if _INT_RE.fullmatch(value):
        return int(value)
    if not _DECIMAL_RE.fullmatch(value):
        raise PabulibError(line, f"cost must be a number, got {text!r}")
    leniencies.add("decimal_cost", line)
    exact = Fraction(Decimal(value))
    return exact.numerator if exact.denominator == 1 else exact


def _project(fields: dict[str, str], line: int, leniencies: _Leniencies) -> PbProject:
    pid = fields["project_id"].strip()
    if not pid:
        raise PabulibError(line, "empty project_id")
    if "," in pid:
        raise PabulibError(line, f"project_id {pid!r} contains a comma")
    cost = _cost(fields["cost"], line, leniencies)
    if cost < 0:
        raise PabulibError(line, "cost must not be negative")
    category = fields.get("category", "").strip()
    categories = (
        ()
        if category in ("", "None")
        else tuple(c.strip() for c in category.split(",") if c.strip())
    )
    return PbProject(
        id=pid,
        cost=cost,
        name=fields.get("name"),
        category=categories,
        selected=_optional_int(fields, "selected", line),
        votes=_optional_int(fields, "votes", line),
        score=_optional_int(fields, "score", line),
        fields=fields,
    )


def group_ballots(ballots: Iterable[Ballot], *, ordered: bool = True) -> tuple[Ballot, ...]:
    """Merge identical ballots, summing weights; first appearance order is kept.

    With ``ordered=False`` (approval, choose-1) ballots naming the same set in another order are
    identical too; the first-seen order is kept as the representative.
    """
    first: dict[object, Ballot] = {}
    weight: dict[object, int] = {}
    for ballot in ballots:
        key: object
        if ordered or ballot.points is not None:
            key = (ballot.choices, ballot.points)
        else:
            key = frozenset(ballot.choices)
        if key in weight:
            weight[key] += ballot.weight
        else:
            first[key] = ballot
            weight[key] = ballot.weight
    return tuple(
        b if b.weight == weight[k] else Ballot(b.choices, b.points, weight[k])
        for k, b in first.items()
    )


# ---------------------------------------------------------------------------------------------
# From META to a rule


@dataclass(frozen=True, slots=True)
class TallySetup:
    """Everything needed to count a file with one of :data:`RULES`.

    * ``rule``: the rule applied; ``rule_source`` says where it came from: ``meta`` (the META
      rule names it), ``comment`` (``greedy-custom`` whose comment describes Poznań's reserve),
      ``unit`` (``greedy-custom`` of Poznań whose comment does not give the share: 4/5 taken),
      ``option`` (given by the caller, whatever META says).
    * ``scale``: costs and budget are counted in 1/``scale`` currency units, so that fractional
      costs (``1234.5``) stay exact integers; 1 for the usual whole-unit file. Every amount of
      the result (costs, remaining, payments) is in that unit: divide by ``scale`` to show it.
      ``params.add1_step`` is ``scale``, one currency unit per voter as the format means.
    * ``caveats`` are codes for what could not be reproduced from the file:
      ``custom_rule_not_applied`` (greedy-custom whose comment describes no rule counted here:
      counted as plain greedy), ``exclusive_groups_not_found`` (greedy-exclusive with no groups
      parsable from the comment), ``threshold_missing`` (greedy-threshold without
      min_project_score_threshold).
    """

    rule: str
    budget: Fraction
    projects: tuple[Project, ...]
    ballots: tuple[Ballot, ...]
    params: TallyParams
    caveats: tuple[str, ...] = ()
    scale: int = 1
    meta_rule: str = ""
    rule_source: str = "meta"

    def run(self) -> TallyResult:
        return RULES[self.rule](self.budget, self.projects, self.ballots, self.params)

    def in_currency(self, amount: int | Fraction) -> Fraction:
        """An amount of the count (in 1/scale units) in currency units, exactly."""
        return Fraction(amount) / self.scale


def tally_setup(election: Election, rule: str | None = None) -> TallySetup:
    """Map META (rule, vote_type, min_project_score_threshold, max_length, comment) and the
    projects to a rule name and TallyParams.

    ``rule`` (a name of :data:`RULES` or a Pabulib META rule name) overrides META's rule; the
    other META settings still apply. Without it, a META rule that cannot be counted raises
    UnsupportedRuleError; a ``rule`` that is neither kind raises ValueError."""
    meta = election.meta
    meta_rule = meta.get("rule", "").strip().lower()
    caveats: list[str] = []
    share: Fraction | None = None
    if rule is None:
        if meta_rule not in PABULIB_RULES:
            raise UnsupportedRuleError(meta_rule)
        name, completion = PABULIB_RULES[meta_rule]
        source = "meta"
        if meta_rule == "greedy-custom":
            custom = _custom_rule(meta)
            if custom is None:
                caveats.append("custom_rule_not_applied")
            else:
                name, share, source = custom
    else:
        given = rule.strip()
        if given.lower() in PABULIB_RULES and given not in RULES:
            name, completion = PABULIB_RULES[given.lower()]
        elif given in RULES:
            name = given
            from_meta = PABULIB_RULES.get(meta_rule)
            completion = from_meta[1] if from_meta and from_meta[0] == name else "add1"
        else:
            raise ValueError(f"unknown rule {rule!r}")
        source = "option"
        if name == "greedy-reserve":
            custom = _custom_rule(meta)
            share = custom[1] if custom is not None else DEFAULT_RESERVE_SHARE
    threshold = _meta_int(meta, "min_project_score_threshold")
    if source == "meta" and meta_rule == "greedy-threshold" and threshold is None:
        caveats.append("threshold_missing")
    group_of: dict[str, str] = {}
    comment = meta.get("comment", "")
    if meta_rule == "greedy-exclusive" or GROUPS_MARK in comment:
        ids = [p.id for p in election.projects]
        for n, members in enumerate(parse_exclusive_groups(comment, ids), 1):
            for pid in members:
                group_of.setdefault(pid, f"exclusive-{n}")
        if not group_of and meta_rule == "greedy-exclusive":
            caveats.append("exclusive_groups_not_found")
    scale = cost_scale(p.cost for p in election.projects)
    projects = tuple(
        Project(p.id, int(p.cost * scale), group_of.get(p.id)) for p in election.projects
    )
    params = TallyParams(
        vote_type=election.vote_type,
        min_score_threshold=threshold,
        max_length=_meta_int(meta, "max_length"),
        withdrawn=frozenset(p.id for p in election.projects if p.withdrawn),
        mes_completion=completion,
        add1_step=scale,
        reserve_share=share,
    )
    return TallySetup(
        rule=name,
        budget=election.budget * scale,
        projects=projects,
        ballots=election.grouped_ballots(),
        params=params,
        caveats=tuple(caveats),
        scale=scale,
        meta_rule=meta_rule,
        rule_source=source,
    )


def cost_scale(costs: Iterable[int | Fraction]) -> int:
    """The smallest power of ten that makes every cost an integer (1 for whole costs)."""
    scale = 1
    for cost in costs:
        while (cost * scale).denominator != 1:
            scale *= 10
    return scale


_RESERVE_WORD = re.compile(r"reserve|rezerw", re.IGNORECASE)
_PERCENT = re.compile(r"([0-9]{1,3}(?:[.,][0-9]+)?)\s*%")
POZNAN_UNITS = frozenset({"poznań", "poznan"})


def _custom_rule(meta: Mapping[str, str]) -> tuple[str, Fraction, str] | None:
    """The rule a ``greedy-custom`` file describes, if it is one counted here: Poznań's reserve,
    from a ``#n:`` part of the comment that speaks of a reserve and gives a percentage, else
    from the unit (Poznań, whose rule is 80%)."""
    comment = meta.get("comment", "")
    parts = _COMMENT_PART.split(comment) if _COMMENT_PART.search(comment) else [comment]
    for part in parts:
        if _RESERVE_WORD.search(part):
            found = _PERCENT.search(part)
            if found is not None:
                share = Fraction(Decimal(found.group(1).replace(",", "."))) / 100
                if 0 < share <= 1:
                    return "greedy-reserve", share, "comment"
    if meta.get("unit", "").strip().lower() in POZNAN_UNITS:
        return "greedy-reserve", DEFAULT_RESERVE_SHARE, "unit"
    return None


def run_tally(election: Election, rule: str | None = None) -> TallyResult:
    return tally_setup(election, rule).run()


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A project whose computed outcome differs from the file's ``selected`` column.

    ``recorded`` is the column's value; ``computed`` is ``funded``, ``reserve`` (funded from a
    reserve) or ``not_funded``; ``expected`` is what the column means under the rule applied.
    """

    project_id: str
    recorded: int | None
    computed: str
    expected: str

    @property
    def computed_funded(self) -> bool:
        return self.computed != "not_funded"


def recorded_status(selected: int | None, rule: str) -> str:
    """What ``selected`` means: 1 funded; 2 funded from a reserve, which only the reserve rule
    reproduces (under any other rule 2 is compared as not funded); anything else not funded
    (3 marks money added after the vote, which no rule can derive from the file)."""
    if selected == 1:
        return "funded"
    if selected == 2 and rule == "greedy-reserve":
        return "reserve"
    return "not_funded"


def computed_status(result: TallyResult, project_id: str) -> str:
    outcome = result.outcome(project_id)
    if not outcome.funded:
        return "not_funded"
    return "reserve" if outcome.explanation.code == "funded_from_reserve" else "funded"


def compare_with_recorded(election: Election, result: TallyResult) -> tuple[Mismatch, ...]:
    """Project by project, where the computed outcome disagrees with the ``selected`` column
    (read as :func:`recorded_status` says). A file without the column records no outcome:
    check :attr:`Election.has_recorded_outcome` first."""
    out: list[Mismatch] = []
    for p in election.projects:
        expected = recorded_status(p.selected, result.rule)
        computed = computed_status(result, p.id)
        if computed != expected:
            out.append(Mismatch(p.id, p.selected, computed, expected))
    return tuple(out)


def _meta_int(meta: Mapping[str, str], key: str) -> int | None:
    value = meta.get(key, "").strip()
    return int(value) if value else None


_COMMENT_PART = re.compile(r"#\d+\s*:")
_EXCLUSIVE_WORD = re.compile(r"exclusive|wyklucza|alternatyw", re.IGNORECASE)
_CLAUSE_END = re.compile(r";|\.\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ])|\.\s*$")
_TOKEN_SPLIT = re.compile(r"[\s,;()\[\]{}\"'|]+")


def parse_exclusive_groups(comment: str, project_ids: Sequence[str]) -> list[tuple[str, ...]]:
    """Groups of mutually exclusive project ids found in a META comment (best effort).

    Only ``#n:`` parts mentioning exclusivity are read; each clause (split at ``;`` or sentence
    ends) naming at least two known ids, in the order they are named, becomes one group.
    """
    known = set(project_ids)
    groups: list[tuple[str, ...]] = []
    parts = _COMMENT_PART.split(comment) if _COMMENT_PART.search(comment) else [comment]
    for part in parts:
        if not _EXCLUSIVE_WORD.search(part):
            continue
        for clause in _CLAUSE_END.split(part):
            found: list[str] = []
            for token in _TOKEN_SPLIT.split(clause):
                pid = token.rstrip(".:")
                if pid in known and pid not in found:
                    found.append(pid)
            if len(found) >= 2:
                groups.append(tuple(found))
    return groups


# ---------------------------------------------------------------------------------------------
# Writing


def write_pb(
    target: str | os.PathLike[str] | TextIO,
    *,
    meta: Mapping[str, MetaValue],
    projects: Sequence[Project | PbProject],
    ballots: Iterable[Ballot],
    voter_ids: Sequence[str] | None = None,
    selected: Collection[str] | None = None,
) -> None:
    """Write a valid ``.pb`` file that re-parses to the same count.

    * ``meta`` must hold every key of :data:`REQUIRED_META` except ``num_projects`` and
      ``num_votes``, which are computed. A Fraction/Decimal budget is written as an exact decimal
      (a budget without a finite decimal form raises ValueError).
    * PROJECTS gets ``project_id;cost;votes`` (+ ``score`` for non-approval vote types), then
      ``selected`` if ``selected`` is given or any PbProject has it, then the other columns of
      the PbProjects (their ``fields``, plus ``name`` and ``category`` from the attributes).
      ``votes`` and ``score`` are computed from the ballots, so they always agree with VOTES.
    * VOTES gets ``voter_id;vote`` (+ ``points`` for cumulative and scoring). A ballot of weight
      w is written as w voters. Voter ids are ``voter_ids`` if given (one per written voter),
      else 1, 2, 3, ...
    * Exclusive groups (``Project.group``) are appended to META ``comment`` as a ``#n:`` part
      that :func:`parse_exclusive_groups` reads back; ids in groups must not contain spaces,
      separators or quotes (ValueError), since the comment could not carry them.
    """
    text = format_pb(
        meta=meta, projects=projects, ballots=ballots, voter_ids=voter_ids, selected=selected
    )
    if isinstance(target, str | os.PathLike):
        with open(target, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    else:
        target.write(text)


def format_pb(
    *,
    meta: Mapping[str, MetaValue],
    projects: Sequence[Project | PbProject],
    ballots: Iterable[Ballot],
    voter_ids: Sequence[str] | None = None,
    selected: Collection[str] | None = None,
) -> str:
    """The text :func:`write_pb` writes."""
    ballot_list = list(ballots)
    num_voters = sum(b.weight for b in ballot_list)
    missing = [k for k in REQUIRED_META if k not in meta and k not in ("num_projects", "num_votes")]
    if missing:
        raise ValueError(f"META lacks {', '.join(missing)}")
    vote_type = _vote_type(str(meta["vote_type"]))
    if voter_ids is not None and len(voter_ids) != num_voters:
        raise ValueError("voter_ids must name every voter (ballot weights included)")
    ids = [p.id for p in projects]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate project id")

    out = io.StringIO()
    writer = _Writer(csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n"))

    meta_rows: dict[str, str] = {k: _meta_text(k, v) for k, v in meta.items()}
    meta_rows["num_projects"] = str(len(projects))
    meta_rows["num_votes"] = str(num_voters)
    groups = _groups(projects)
    if groups:
        comment = meta_rows.get("comment", "")
        number = len(_COMMENT_PART.findall(comment)) + 1
        described = "; ".join(", ".join(members) for members in groups)
        extra = f"#{number}: {GROUPS_MARK} {described}."
        meta_rows["comment"] = f"{comment} {extra}".strip()
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key in REQUIRED_META:
        writer.writerow([key, meta_rows[key]])
    for key, value in meta_rows.items():
        if key not in REQUIRED_META:
            writer.writerow([key, value])

    votes = dict.fromkeys(ids, 0)
    scores = dict.fromkeys(ids, 0)
    if vote_type in ("approval", "choose-1", "cumulative", "scoring"):
        k = 0
    else:
        k = _ordinal_k(meta_rows, ballot_list)
    for ballot in ballot_list:
        for pos, pid in enumerate(ballot.choices):
            if pid not in votes:
                raise ValueError(f"ballot names unknown project {pid!r}")
            votes[pid] += ballot.weight
            if ballot.points is not None:
                scores[pid] += ballot.points[pos] * ballot.weight
            elif k:
                scores[pid] += max(k - pos, 0) * ballot.weight
    with_score = vote_type not in ("approval", "choose-1")
    with_selected = selected is not None or any(
        isinstance(p, PbProject) and p.selected is not None for p in projects
    )
    extra_columns: list[str] = []
    for p in projects:
        if isinstance(p, PbProject):
            wanted = list(p.fields)
            wanted += ["name"] if p.name is not None else []
            wanted += ["category"] if p.category else []
            for name in wanted:
                if name not in _OWN_PROJECT_COLUMNS and name not in extra_columns:
                    extra_columns.append(name)
    columns = ["project_id", "cost", "votes"] + (["score"] if with_score else [])
    columns += (["selected"] if with_selected else []) + extra_columns
    out.write("PROJECTS\n")
    writer.writerow(columns)
    for p in projects:
        cost = p.cost if isinstance(p.cost, int) else _fraction_text(f"cost of {p.id}", p.cost)
        row = [p.id, str(cost), str(votes[p.id])]
        if with_score:
            row.append(str(scores[p.id]))
        if with_selected:
            if selected is not None:
                row.append("1" if p.id in selected else "0")
            else:
                sel = p.selected if isinstance(p, PbProject) else None
                row.append("" if sel is None else str(sel))
        row += [_project_column(p, name) for name in extra_columns]
        writer.writerow(row)

    with_points = vote_type in POINTS_VOTE_TYPES
    out.write("VOTES\n")
    writer.writerow(["voter_id", "vote"] + (["points"] if with_points else []))
    number = 0
    for ballot in ballot_list:
        for _ in range(ballot.weight):
            voter = voter_ids[number] if voter_ids is not None else str(number + 1)
            number += 1
            row = [voter, ",".join(ballot.choices)]
            if with_points:
                points = ballot.points if ballot.points is not None else ()
                row.append(",".join(str(x) for x in points))
            writer.writerow(row)
    return out.getvalue()


class _Writer:
    """A csv writer whose cells never hold a carriage return: with the "\n" line end, csv leaves
    a lone "\r" unquoted, and a reader would end the row there. Line breaks become "\n"."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[str]) -> None:
        self._writer.writerow([c.replace("\r\n", "\n").replace("\r", "\n") for c in row])


_OWN_PROJECT_COLUMNS = frozenset({"project_id", "cost", "votes", "score", "selected"})


def _project_column(project: Project | PbProject, column: str) -> str:
    """A PbProject's name and category attributes win over its raw fields."""
    if not isinstance(project, PbProject):
        return ""
    if column == "name" and project.name is not None:
        return project.name
    if column == "category" and project.category:
        return ",".join(project.category)
    return project.fields.get(column, "")


def _groups(projects: Sequence[Project | PbProject]) -> list[tuple[str, ...]]:
    members: dict[str, list[str]] = {}
    for p in projects:
        if p.group is not None:
            if _TOKEN_SPLIT.search(p.id) or p.id != p.id.rstrip(".:"):
                # The comment is the only place Pabulib has for groups; such an id would be cut
                # apart when read back, so refuse rather than write a different election.
                raise ValueError(f"project id {p.id!r} cannot be named in an exclusive group")
            members.setdefault(p.group, []).append(p.id)
    return [tuple(ids) for ids in members.values() if len(ids) >= 2]


def _ordinal_k(meta_rows: Mapping[str, str], ballots: Sequence[Ballot]) -> int:
    if meta_rows.get("max_length", "").strip():
        return int(meta_rows["max_length"])
    return max((len(b.choices) for b in ballots), default=0)


def _meta_text(key: str, value: MetaValue) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise TypeError(f"META {key} must not be a bool")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return _fraction_text(key, value)


def _fraction_text(key: str, value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        raise ValueError(f"META {key} {value} has no finite decimal form")
    places = max(twos, fives)
    scaled = value * 10**places
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"
