"""The secret ballot's pure parts: receipt digests kept apart, sealed text of one length."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microprojects.domain import secrecy
from microprojects.domain.secrecy import SealedContent

RECEIPT = "ABCD-EFGH-JKMN-PQRS"


def test_the_three_digests_of_a_receipt_differ_and_the_published_one_is_plain_sha256():
    import hashlib

    digests = {
        secrecy.published_digest(RECEIPT),
        secrecy.commitment(RECEIPT),
        secrecy.revision_tag(RECEIPT),
    }
    assert len(digests) == 3
    assert secrecy.published_digest(RECEIPT) == hashlib.sha256(RECEIPT.encode()).hexdigest()
    assert secrecy.commitment(RECEIPT) != secrecy.commitment("ABCD-EFGH-JKMN-PQRT")


contents = st.builds(
    SealedContent,
    choices=st.lists(st.integers(1, 10**6).map(str), max_size=30, unique=True).map(tuple),
    points=st.none() | st.lists(st.integers(0, 100), max_size=30).map(tuple),
    revision_tag=st.sampled_from(["", "a" * 64]),
    published=st.sampled_from(["", "b" * 64]),
    replaces_tag=st.sampled_from(["", "c" * 64]),
    replaces_published=st.sampled_from(["", "d" * 64]),
)


@given(contents)
def test_sealed_text_reads_back_and_its_length_is_a_whole_number_of_blocks(content):
    text = secrecy.encode(content)
    assert len(text) % secrecy.PAD_BLOCK == 0
    assert secrecy.decode(text) == content


def test_ballots_of_one_to_ten_choices_are_sealed_at_one_length():
    lengths = {
        len(secrecy.encode(SealedContent(tuple(str(1000 + i) for i in range(n)), None, "t" * 64)))
        for n in range(1, 11)
    }
    assert lengths == {secrecy.PAD_BLOCK}


@pytest.mark.parametrize("text", [b"", b"not json", b'{"v": 2}', b'{"v": 1}', b"\xff\xfe"])
def test_a_text_that_is_not_a_sealed_ballot_is_refused(text):
    with pytest.raises(secrecy.SealedContentError):
        secrecy.decode(text)


def _ballot(choice: str, receipt: str = "", replaces: str = "") -> SealedContent:
    return SealedContent(
        (choice,),
        None,
        revision_tag=secrecy.revision_tag(receipt) if receipt else "",
        published=secrecy.published_digest(receipt) if receipt else "",
        replaces_tag=secrecy.revision_tag(replaces) if replaces else "",
        replaces_published=secrecy.published_digest(replaces) if replaces else "",
    )


def test_a_batch_keeps_the_last_of_a_chain_of_revisions_whatever_the_order():
    first, second, third = "AAAA-AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB-BBBB", "CCCC-CCCC-CCCC-CCCC"
    batch = [
        _ballot("3", third, replaces=second),
        _ballot("1", first),
        _ballot("9", "DDDD-DDDD-DDDD-DDDD"),
        _ballot("2", second, replaces=first),
    ]
    outcome = secrecy.apply_batch(batch)
    assert sorted(c.choices for c in outcome.ballots) == [("3",), ("9",)]
    assert sorted(outcome.receipts) == sorted(
        [secrecy.published_digest(third), secrecy.published_digest("DDDD-DDDD-DDDD-DDDD")]
    )
    # What a stored ballot from an earlier batch may carry is removed too.
    assert secrecy.revision_tag(first) in outcome.removed_tags
    assert secrecy.published_digest(second) in outcome.removed_receipts


def test_a_paper_ballot_has_no_receipt_to_publish():
    outcome = secrecy.apply_batch([_ballot("4")])
    assert outcome.ballots == (_ballot("4"),) and outcome.receipts == ()
