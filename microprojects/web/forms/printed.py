"""The committee's form for the paper ballot: where and when paper ballots are cast."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from . import PageForm


class PaperWhereForm(PageForm):
    # The length is checked by the service, which says the limit in words.
    paper_where = TextAreaField(
        _l("Where and when to vote on paper"),
        description=_l(
            "Printed on the paper ballot, e.g. “社区党群服务中心一楼大厅，12月8日至12日每天"
            " 8:30–17:30”. Leave empty if there is no paper voting."
        ),
    )
