"""``python -m bench.profile``: a page it does not measure is named back with the ones it does,
before anything is built."""

from __future__ import annotations

import pytest

from bench import profile


def test_an_unknown_page_is_refused_with_the_pages_it_knows(capsys):
    with pytest.raises(SystemExit) as exited:
        profile.main(["--profile", "the moon"])
    assert exited.value.code == 2
    said = capsys.readouterr().err
    assert "no page named 'the moon'" in said
    assert "proposal (resident)" in said and "review (resident)" in said
