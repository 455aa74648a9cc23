"""Reading a community roster (居民名册) from a CSV file, as a committee exports it from Excel.

Pure: bytes in, rows and per-row problems out. Problems are codes with the line and the column,
so the page can say in the reader's language what is wrong with each row. Whether a grid exists
is the service's question, not this module's.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from .characters import clean_line
from .people import BASIS_ALIASES, Basis, normalize_phone

# Each field and the headers that name it (Chinese as written by community offices, and English).
COLUMNS: dict[str, tuple[str, ...]] = {
    "grid": ("网格", "所属网格", "grid"),
    "address": ("地址", "住址", "门牌", "户址", "address", "household"),
    "name": ("姓名", "name", "full_name"),
    "phone": ("手机号", "手机", "电话", "联系电话", "phone"),
    "birth_date": ("出生日期", "生日", "birth_date", "birthdate"),
    "basis": ("类别", "类型", "参与类别", "basis"),
    # Only the last four characters are kept: enough to tell people apart at a polling station.
    "id_number": (
        "身份证号", "身份证号码", "身份证", "证件号码", "身份证后四位", "身份证后4位",
        "id_number", "id_tail",
    ),
}  # fmt: skip
ID_TAIL_LENGTH = 4
REQUIRED = ("address", "name")
MAX_FIELD_LENGTH = 200

_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True)
class RosterRow:
    line: int
    address: str
    name: str
    grid: str | None = None
    phone: str | None = None
    birth_date: date | None = None
    basis: Basis = Basis.LIVE
    id_tail: str | None = None


def id_tail(text: str) -> str | None:
    """The last four characters of an ID number (or of the last digits given): digits, the
    very last may be X. None when it is not such a number."""
    compact = "".join(text.split()).upper()
    if not ID_TAIL_LENGTH <= len(compact) <= 18:
        return None
    if not compact[:-1].isdigit() or compact[-1] not in "0123456789X":
        return None
    if not compact[:-1].isascii():
        return None
    return compact[-ID_TAIL_LENGTH:]


@dataclass(frozen=True)
class RowProblem:
    """``code`` names the problem; ``line`` is the file's line (the header is line 1)."""

    line: int
    code: str
    column: str | None = None
    value: str | None = None


@dataclass
class RosterFile:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    encoding: str = "utf-8"

    @property
    def ok(self) -> bool:
        return not self.problems


def decode(data: bytes) -> tuple[str, str] | None:
    """The text of the file and the encoding used: UTF-8 (with or without BOM), else GB18030,
    which is what Excel writes for "CSV (逗号分隔)" on a Chinese Windows. None if neither fits."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return None


def parse_date(text: str) -> date | None:
    m = _DATE_RE.match(text.strip())
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _map_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        for key, aliases in COLUMNS.items():
            if name in (a.lower() for a in aliases):
                positions.setdefault(key, index)
                break
        else:
            if name:
                unknown.append(raw.strip())
    return positions, unknown


def parse_roster(data: bytes, *, today: date, max_rows: int = 20000) -> RosterFile:
    """Parse a roster CSV. Every problem found is reported; rows are only usable when none is."""
    result = RosterFile()
    decoded = decode(data)
    if decoded is None:
        result.problems.append(RowProblem(line=1, code="not_text"))
        return result
    text, result.encoding = decoded
    if "\x00" in text:
        result.problems.append(RowProblem(line=1, code="not_text"))
        return result
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    with contextlib.suppress(csv.Error):  # not sniffable: plain Excel CSV
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        result.problems.append(RowProblem(line=1, code="empty_file"))
        return result
    positions, _unknown = _map_header(header)
    for key in REQUIRED:
        if key not in positions:
            result.problems.append(
                RowProblem(line=1, code="missing_column", column=key, value=COLUMNS[key][0])
            )
    if result.problems:
        return result

    seen: dict[tuple[str, str], int] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # Excel leaves blank lines at the end
        if len(result.rows) + len(result.problems) >= max_rows:
            result.problems.append(RowProblem(line=line, code="too_many_rows", value=str(max_rows)))
            break

        def cell(key: str, record: list[str] = record) -> str:
            index = positions.get(key)
            if index is None or index >= len(record):
                return ""
            return clean_line(record[index])

        problems: list[RowProblem] = []
        values = {key: cell(key) for key in COLUMNS}
        for key, value in values.items():
            if len(value) > MAX_FIELD_LENGTH:
                problems.append(RowProblem(line, "too_long", key, value[:20] + "…"))
        for key in REQUIRED:
            if not values[key]:
                problems.append(RowProblem(line, "missing_value", key))
        phone: str | None = None
        if values["phone"]:
            phone = normalize_phone(values["phone"])
            if phone is None:
                problems.append(RowProblem(line, "bad_phone", "phone", values["phone"]))
        birth: date | None = None
        if values["birth_date"]:
            birth = parse_date(values["birth_date"])
            if birth is None or birth > today or birth.year < 1900:
                problems.append(RowProblem(line, "bad_date", "birth_date", values["birth_date"]))
        basis = Basis.LIVE
        if values["basis"]:
            found = BASIS_ALIASES.get(values["basis"].lower())
            if found is None:
                problems.append(RowProblem(line, "bad_basis", "basis", values["basis"]))
            else:
                basis = found
        tail: str | None = None
        if values["id_number"]:
            tail = id_tail(values["id_number"])
            if tail is None:
                # The number itself is not repeated back: it is the one thing not kept.
                problems.append(RowProblem(line, "bad_id_number", "id_number"))
        key_pair = (values["address"], values["name"])
        if values["address"] and values["name"]:
            if key_pair in seen:
                problems.append(RowProblem(line, "duplicate_in_file", "name", str(seen[key_pair])))
            else:
                seen[key_pair] = line
        if problems:
            result.problems.extend(problems)
            continue
        result.rows.append(
            RosterRow(
                line=line,
                address=values["address"],
                name=values["name"],
                grid=values["grid"] or None,
                phone=phone,
                birth_date=birth,
                basis=basis,
                id_tail=tail,
            )
        )
    if not result.rows and not result.problems:
        result.problems.append(RowProblem(line=2, code="empty_file"))
    return result
