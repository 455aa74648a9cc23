from datetime import date

from microprojects.domain.people import Basis
from microprojects.domain.roster import parse_roster

TODAY = date(2026, 11, 1)
HEADER = "网格,地址,姓名,手机号,出生日期,类别\n"


def parse(text: str, encoding: str = "utf-8-sig", **kwargs):
    return parse_roster(text.encode(encoding), today=TODAY, **kwargs)


def test_a_good_file_with_bom_gives_rows():
    result = parse(
        HEADER
        + "第一网格,1栋1单元101,王秀英,13907550001,1958-03-12,居住\n"
        + "第一网格,1栋1单元101,陈志强,,1985/7/1,工作\n"
    )
    assert result.ok
    assert [r.name for r in result.rows] == ["王秀英", "陈志强"]
    first, second = result.rows
    assert first.phone == "13907550001"
    assert first.birth_date == date(1958, 3, 12)
    assert first.grid == "第一网格"
    assert second.basis is Basis.WORK
    assert second.phone is None
    assert second.birth_date == date(1985, 7, 1)


def test_without_bom_and_in_gb18030():
    text = HEADER + "第一网格,1栋1单元101,王秀英,,,\n"
    assert parse(text, "utf-8").rows[0].name == "王秀英"
    result = parse(text, "gb18030")
    assert result.encoding == "gb18030"
    assert result.rows[0].name == "王秀英"


def test_english_headers_and_semicolons():
    result = parse("grid;address;name\nG1;Building 1;Wang\n")
    assert result.ok
    assert result.rows[0].address == "Building 1"


def test_every_bad_row_is_reported_with_its_line():
    result = parse(
        HEADER
        + "第一网格,1栋1单元101,王秀英,12345,1958-03-12,居住\n"  # line 2: bad phone
        + "第一网格,,陈志强,,,\n"  # line 3: no address
        + "第一网格,1栋1单元102,林海燕,,2099-01-01,居住\n"  # line 4: birth in the future
        + "第一网格,1栋1单元103,黄国平,,,游客\n"  # line 5: unknown category
        + "第一网格,1栋1单元101,王秀英,,,\n"  # line 6: duplicate of line 2
        + "第一网格,1栋1单元104,吴芳,,1970-02-30,\n"  # line 7: no such date
    )
    assert not result.ok
    found = {(p.line, p.code) for p in result.problems}
    assert found == {
        (2, "bad_phone"),
        (3, "missing_value"),
        (4, "bad_date"),
        (5, "bad_basis"),
        (6, "duplicate_in_file"),
        (7, "bad_date"),
    }


def test_missing_required_column():
    result = parse("网格,姓名\n第一网格,王秀英\n")
    assert [(p.code, p.column) for p in result.problems] == [("missing_column", "address")]


def test_empty_and_binary_files():
    assert parse_roster(b"", today=TODAY).problems[0].code == "empty_file"
    assert parse(HEADER).problems[0].code == "empty_file"
    assert parse_roster(b"\x89PNG\r\n\x1a\n\x00\x00", today=TODAY).problems[0].code == "not_text"


def test_row_limit():
    rows = "".join(f"第一网格,{i}号,王{i},,,\n" for i in range(5))
    result = parse(HEADER + rows, max_rows=3)
    assert [p.code for p in result.problems] == ["too_many_rows"]


def test_blank_lines_are_ignored():
    result = parse(HEADER + "第一网格,1栋,王秀英,,,\n,,,,,\n\n")
    assert result.ok
    assert len(result.rows) == 1
