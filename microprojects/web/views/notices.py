"""Notices that reach people: a person's choice of channels and the confirmation of their
mobile number; the committee's announcements to a cycle's residents; the "通知发送" page where
the committee (the administrator: everyone's) sees messages that failed and tries them again."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.notices import MessageStatus
from ...domain.permissions import Action
from ...extensions import rate_limit
from ...models import Community
from ...services import announcements, channels, outbox
from ...services.errors import ServiceError
from ..forms.notices import ChannelsForm, CodeForm, PhoneForm
from ..messages import (
    ANNOUNCEMENT_LABELS,
    CHANNEL_LABELS,
    MESSAGE_STATUS_LABELS,
    service_message,
)
from .helpers import (
    attempt,
    committee_required,
    community_cycle_or_404,
    flash_error,
    local_time,
    now,
    permission_required,
)

bp = Blueprint("notices", __name__, url_prefix="")


@bp.app_template_filter("mask_address")
def mask_address(address: str) -> str:
    """A phone number or e-mail address as staff see it: enough to tell, not to copy."""
    if "@" in address:
        name, _at, domain = address.partition("@")
        return f"{name[:2]}…@{domain}"
    return f"{address[:3]}****{address[-4:]}" if len(address) >= 7 else address


@bp.app_template_filter("local_time_iso")
def local_time_iso(text: str) -> str:
    """A time kept as ISO text in a notice's parameters, as local time."""
    try:
        return local_time(datetime.fromisoformat(text))
    except (TypeError, ValueError):
        return ""


def _labels() -> dict[str, object]:
    return {
        "announcement_labels": ANNOUNCEMENT_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "message_status_labels": MESSAGE_STATUS_LABELS,
    }


def _settings_page(
    phone_form: PhoneForm | None = None, code_form: CodeForm | None = None, status: int = 200
) -> ResponseReturnValue:
    settings = channels.settings_of(current_user)
    channels_form = ChannelsForm(
        email_on=settings.email_on and bool(current_user.email), sms_on=settings.sms_on
    )
    if phone_form is None:
        phone_form = PhoneForm(phone=settings.sms_phone or current_user.phone or "")
    return render_template(
        "account/notice_settings.html",
        settings=settings,
        channels_form=channels_form,
        phone_form=phone_form,
        code_form=code_form or CodeForm(),
        waiting_for_code=settings.sms_phone is not None and settings.sms_confirmed_at is None,
    ), status


@bp.get("/account/notice-settings")
@login_required
def settings() -> ResponseReturnValue:
    return _settings_page()


@bp.post("/account/notice-settings/channels")
@login_required
def save_channels() -> ResponseReturnValue:
    form = ChannelsForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("notices.settings"))
    if attempt(
        lambda: channels.set_channels(
            current_user,
            email_on=bool(form.email_on.data),
            sms_on=bool(form.sms_on.data),
            now=now(),
        ),
        _("Saved: you will be told as you chose."),
    ):
        return redirect(url_for("notices.settings"))
    return redirect(url_for("notices.settings", _anchor="sms-phone"))


def _code_limit() -> str:
    return str(current_app.config["PHONE_CODE_RATE_LIMIT"])


@bp.post("/account/notice-settings/phone")
@rate_limit(_code_limit)
@login_required
def send_code() -> ResponseReturnValue:
    form = PhoneForm()
    if form.validate_on_submit():
        try:
            number = channels.request_phone_code(current_user, form.phone.data or "", now=now())
        except ServiceError as error:
            form.phone.errors = [*form.phone.errors, service_message(error.code, error.params)]
        else:
            flash(
                _("A 6-digit code has been sent to %(phone)s. Type it below.", phone=number),
                "success",
            )
            return redirect(url_for("notices.settings", _anchor="sms-code"))
    return _settings_page(phone_form=form, status=400)


@bp.post("/account/notice-settings/confirm")
@login_required
def confirm_code() -> ResponseReturnValue:
    form = CodeForm()
    if form.validate_on_submit():
        try:
            channels.confirm_phone(current_user, form.code.data or "", now=now())
        except ServiceError as error:
            form.code.errors = [*form.code.errors, service_message(error.code, error.params)]
        else:
            flash(_("Your number is confirmed. Text messages are on."), "success")
            return redirect(url_for("notices.settings"))
    return _settings_page(code_form=form, status=400)


# --- the committee --------------------------------------------------------------------------


@bp.route("/c/<slug>/committee/cycles/<int:cycle_id>/announce", methods=["GET", "POST"])
@committee_required(Action.MANAGE_CYCLES)
def announce(community: Community, cycle_id: int) -> ResponseReturnValue:
    cycle = community_cycle_or_404(community, cycle_id)
    if request.method == "POST":  # CSRFProtect has checked the form's token
        kind = request.form.get("kind", "")
        link = url_for("results.cycle_results", cycle_id=cycle.id, _external=True)
        try:
            made = announcements.announce(current_user, cycle, kind, now=now(), link=link)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                _(
                    "Sent to %(app)s residents: %(sms)s by text message, %(email)s by e-mail.",
                    app=made.reached.get("app", 0),
                    sms=made.reached.get("sms", 0),
                    email=made.reached.get("email", 0),
                ),
                "success",
            )
        return redirect(url_for("notices.announce", slug=community.slug, cycle_id=cycle.id))
    return render_template(
        "committee/announce.html",
        community=community,
        cycle=cycle,
        fitting=[k.value for k in announcements.fitting_kinds(cycle, now())],
        made=announcements.made(cycle),
        **_labels(),
    )


@bp.get("/c/<slug>/committee/notices")
@committee_required(Action.VIEW_COMMITTEE)
def committee_outbox(community: Community) -> ResponseReturnValue:
    return render_template(
        "committee/outbox.html",
        community=community,
        view=outbox.load_outbox(current_user, community),
        **_labels(),
    )


@bp.post("/c/<slug>/committee/notices/<int:message_id>/retry")
@committee_required(Action.VIEW_COMMITTEE)
def committee_retry(community: Community, message_id: int) -> ResponseReturnValue:
    _retry(message_id, community)
    return redirect(url_for("notices.committee_outbox", slug=community.slug))


@bp.get("/admin/notices")
@permission_required(Action.ADMINISTER)
def admin_outbox() -> ResponseReturnValue:
    return render_template(
        "committee/outbox.html",
        community=None,
        view=outbox.load_outbox(current_user, None),
        **_labels(),
    )


@bp.post("/admin/notices/<int:message_id>/retry")
@permission_required(Action.ADMINISTER)
def admin_retry(message_id: int) -> ResponseReturnValue:
    _retry(message_id, None)
    return redirect(url_for("notices.admin_outbox"))


def _retry(message_id: int, community: Community | None) -> None:
    try:
        message = outbox.retry_now(current_user, message_id, community, now=now())
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash_error(error)
        return
    if message.status is MessageStatus.SENT:
        flash(_("Tried again: the message has been sent."), "success")
    else:
        flash(_("Tried again, and it failed again: %(error)s", error=message.last_error), "error")
