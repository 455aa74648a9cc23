"""The words of a message that leaves the site (SMS, e-mail), in the language of the person
it goes to (their account's, else zh-CN). The outbox asks for them through
``app.extensions["message_words"]``: services do not translate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

from ..domain.notices import OUTCOME, PHONE_CODE, AnnouncementKind
from .messages import NOTICE_LABELS


def _end(text: object) -> str:
    try:
        return format_datetime(datetime.fromisoformat(str(text)), "short")
    except ValueError:
        return ""


def message_words(kind: str, params: dict[str, Any], locale: str) -> tuple[str, str]:
    """(subject, text) of a message of ``kind``."""
    with force_locale(locale or "zh_CN"):
        cycle = str(params.get("cycle", ""))
        if kind == PHONE_CODE:
            text = _(
                "Your 微实事 code is %(code)s. It is valid for 10 minutes. Do not give it to "
                "anyone.",
                code=params.get("code", ""),
            )
        elif kind == AnnouncementKind.VOTING_OPEN:
            text = _(
                "Voting on “%(cycle)s” is open until %(end)s. Vote on the 微实事 site or at the "
                "community office.",
                cycle=cycle,
                end=_end(params.get("end_at")),
            )
        elif kind == AnnouncementKind.RESULTS_PUBLISHED:
            text = _(
                "The results of “%(cycle)s” are published: %(link)s",
                cycle=cycle,
                link=params.get("link", ""),
            )
        elif kind == OUTCOME:
            if params.get("funded") in (True, "1", "True", "true", 1):
                text = _(
                    "“%(project)s” is funded in “%(cycle)s”.",
                    project=params.get("project", ""),
                    cycle=cycle,
                )
            else:
                text = _(
                    "“%(project)s” was not funded in “%(cycle)s”.",
                    project=params.get("project", ""),
                    cycle=cycle,
                )
        else:
            text = f"{NOTICE_LABELS.get(kind, kind)} {params.get('title', '')}".strip()
        subject = f"[微实事] {params.get('title') or cycle or NOTICE_LABELS.get(kind, kind)}"
        return subject, str(text)
