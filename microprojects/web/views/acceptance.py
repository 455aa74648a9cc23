"""Acceptance (验收) pages: on the project's management page the committee records an inspection
(with its documents) and types in the paper survey's answers; anyone downloads the documents of
an inspection. The public project page shows the acceptance from ``story_context``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, send_from_directory
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ...domain.implementation import Status
from ...domain.permissions import Action
from ...models import Community, Implementation, Proposal
from ...services import acceptance as service
from ...services.errors import ServiceError
from ...services.proposals import upload_dir
from ..forms.acceptance import AcceptanceForm, SurveyForm
from ..messages import ACCEPTANCE_RESULT_LABELS, INSPECTOR_ROLE_LABELS, SURVEY_ANSWER_LABELS
from .helpers import committee_required, flash_error, now
from .implementation import committee_project, manage_page, to_manage

bp = Blueprint("acceptance", __name__)

LABELS = {
    "result_labels": ACCEPTANCE_RESULT_LABELS,
    "role_labels": INSPECTOR_ROLE_LABELS,
    "answer_labels": SURVEY_ANSWER_LABELS,
}


def _account_choices(form: AcceptanceForm, proposal: Proposal) -> None:
    choices = [("", _("No account"))] + [
        (str(u.id), u.display_name) for u in service.committee_members(proposal)
    ]
    for row in form.inspectors:
        row.form.account.choices = choices


def acceptance_context(
    proposal: Proposal,
    record: Implementation | None,
    *,
    acceptance_form: AcceptanceForm | None = None,
    survey_form: SurveyForm | None = None,
) -> dict[str, Any]:
    """What the management page shows of acceptance: the forms, the inspections so far and the
    satisfaction."""
    if record is None:
        return {"acceptance": None}
    if acceptance_form is None:
        acceptance_form = AcceptanceForm(formdata=None)
        acceptance_form.round.data = str(service.next_round(record))
        acceptance_form.inspected_on.data = now().date()
    _account_choices(acceptance_form, proposal)
    if survey_form is None:
        survey_form = SurveyForm(formdata=None)
        survey_form.token.data = service.new_survey_token()
    return {
        "acceptance": service.load(record),
        "acceptance_form": acceptance_form,
        "survey_form": survey_form,
        "can_inspect": Status(record.status) is Status.COMPLETED,
        "can_survey": Status(record.status) in (Status.COMPLETED, Status.ACCEPTED),
        **LABELS,
    }


def story_context(record: Implementation | None) -> dict[str, Any]:
    """What the public project page shows of acceptance."""
    if record is None:
        return {"acceptance": None}
    return {"acceptance": service.load(record), **LABELS}


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/acceptance")
@committee_required(Action.MANAGE_CYCLES)
def record(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal, found = committee_project(community, proposal_id)
    form = AcceptanceForm()
    _account_choices(form, proposal)
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            if name != "inspectors":
                for error in errors if isinstance(errors, list) else []:
                    flash(f"{getattr(form, name).label.text}: {error}", "error")
        if "inspectors" in form.errors:
            flash(_("A name has at most 60 characters."), "error")
        return manage_page(community, proposal, 422, acceptance_form=form)
    round_ = _int_or_none(form.round.data)
    documents = [
        service.Document(upload.filename or "", upload.read())
        for upload in (form.documents.data or [])
        if upload and upload.filename
    ]
    try:
        service.record_acceptance(
            current_user,
            found,
            round=round_ or 0,
            inspected_on=form.inspected_on.data,
            inspectors=[
                service.Inspector(
                    name=row.form.name.data or "",
                    role=row.form.role.data or "",
                    user_id=_int_or_none(row.form.account.data),
                )
                for row in form.inspectors
            ],
            findings=form.findings.data or "",
            result=form.result.data or "",
            fixes=form.fixes.data or "",
            fixes_due=form.fixes_due.data,
            redo=form.redo.data or "",
            documents=documents,
            now=now(),
        )
    except ServiceError as error:
        flash_error(error)
        if error.code == "acceptance_recorded":
            return to_manage(community, proposal.id, "acceptance")
        return manage_page(community, proposal, 422, acceptance_form=form)
    flash(_("The acceptance has been recorded and is shown on the project's page."), "success")
    return to_manage(community, proposal.id, "acceptance")


@bp.post("/c/<slug>/committee/projects/<int:proposal_id>/survey")
@committee_required(Action.MANAGE_CYCLES)
def survey(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal, found = committee_project(community, proposal_id)
    form = SurveyForm()
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            for error in errors if isinstance(errors, list) else []:
                flash(f"{getattr(form, name).label.text}: {error}", "error")
        return manage_page(community, proposal, 422, survey_form=form)
    try:
        service.enter_survey(
            current_user,
            found,
            token=form.token.data or "",
            satisfied=form.satisfied.data or 0,
            basically=form.basically.data or 0,
            dissatisfied=form.dissatisfied.data or 0,
            note=form.note.data or "",
            now=now(),
        )
    except ServiceError as error:
        flash_error(error)
        return manage_page(community, proposal, 422, survey_form=form)
    flash(_("The paper answers have been added."), "success")
    return to_manage(community, proposal.id, "survey")


def _download_name(title: str, extension: str) -> str:
    return title if title.lower().endswith(f".{extension}") else f"{title}.{extension}"


def _download_name(title: str, extension: str) -> str:
    return title if title.lower().endswith(f".{extension}") else f"{title}.{extension}"


@bp.get("/acceptance/documents/<name>")
def document(name: str) -> ResponseReturnValue:
    """A document of an inspection, always as a download of its own type: never shown inline,
    so that nothing in it runs on this site."""
    found = service.find_document(name)
    if found is None:
        abort(404)
    extension = found.filename.rsplit(".", 1)[-1]
    response = send_from_directory(
        upload_dir(),
        found.filename,
        mimetype=found.mime,
        as_attachment=True,
        download_name=_download_name(found.title, extension),
        max_age=86400,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
