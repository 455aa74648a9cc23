from microprojects.domain.codes import (
    ALPHABET,
    CODE_LENGTH,
    format_code,
    generate_code,
    normalize_code,
)


def test_generated_codes_use_the_alphabet_and_differ():
    codes = {generate_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(ALPHABET)


def test_typed_codes_are_normalized():
    code = generate_code()
    assert normalize_code(format_code(code).lower()) == code
    assert normalize_code(" " + format_code(code) + " ") == code


def test_impossible_codes_are_refused():
    assert normalize_code("") is None
    assert normalize_code("ABCD-EFGH") is None  # too short
    assert normalize_code("ABCD-EFGH-JKM0") is None  # 0 is not in the alphabet
    assert normalize_code("ABCD-EFGH-JKMNP") is None  # too long


def test_format_groups_by_four():
    assert format_code("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"
