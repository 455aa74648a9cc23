"""microprojects.services.errors: the codes a use case refuses with."""

from __future__ import annotations

import inspect
import re

import pytest

from microprojects.domain.ballots import BallotRule
from microprojects.domain.cycles import Eligibility
from microprojects.domain.people import password_problem
from microprojects.services import implementation
from microprojects.services.errors import ErrorCode, NotFound, PermissionDenied, ServiceError
from microprojects.services.photos import ERROR_CODES


def test_a_code_given_as_text_becomes_its_error_code():
    error = ServiceError("not_collecting", cap_fen=1)
    assert error.code is ErrorCode.NOT_COLLECTING
    assert error.code == "not_collecting"
    assert error.params == {"cap_fen": 1}
    assert str(error) == "not_collecting"
    assert PermissionDenied().code is ErrorCode.FORBIDDEN
    assert NotFound().code is ErrorCode.NOT_FOUND


def test_an_unknown_code_fails_where_it_is_raised():
    with pytest.raises(ValueError, match="no_such_code"):
        ServiceError("no_such_code")


def _codes(function, pattern):
    found = set(re.findall(pattern, inspect.getsource(function)))
    assert found, f"no codes found in {function}: the pattern is stale"
    return found


def test_every_domain_code_a_service_passes_on_has_an_error_code():
    # The services turn these domain codes into ErrorCodes by name, prefixed, when they raise:
    # a code missing here would fail only when someone meets that refusal.
    taking_part = _codes(Eligibility.problem, r'return "([a-z_]+)"') | {"not_logged_in"}
    of_a_project = {
        name.lower()
        for name in _codes(implementation._resident_problem, r"return ErrorCode\.([A-Z_]+)")
    }
    passed_on = {
        "": taking_part,
        "cannot_propose_": taking_part,
        "cannot_object_": taking_part,
        "rule_": _codes(BallotRule.problems, r'found\.append\("([a-z_]+)"\)'),
        "password_": _codes(password_problem, r'return "([a-z_]+)"'),
        "photo_": set(ERROR_CODES),
        "cannot_rate_": of_a_project,
        "cannot_report_": of_a_project,
    }
    known = {code.value for code in ErrorCode}
    missing = [
        prefix + code
        for prefix, codes in passed_on.items()
        for code in codes
        if prefix + code not in known
    ]
    assert missing == []
