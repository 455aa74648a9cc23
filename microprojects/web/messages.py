"""The words for the codes that services and domain rules report, in one place."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..domain.money import format_yuan
from ..services.errors import ErrorCode

SERVICE_MESSAGES: dict[ErrorCode, Any] = {
    ErrorCode.FORBIDDEN: _l("You are not allowed to do that."),
    ErrorCode.NOT_FOUND: _l("Not found."),
    ErrorCode.REQUIRED: _l("This field is required."),
    ErrorCode.USERNAME_INVALID: _l(
        "A username is 3 to 32 letters, digits, dots, dashes or underscores, "
        "starting with a letter."
    ),
    ErrorCode.USERNAME_TAKEN: _l("That username is taken; choose another."),
    ErrorCode.LOGIN_NEEDED: _l(
        "Give your mobile number or choose a login name: you will log in with one of them."
    ),
    ErrorCode.PHONE_INVALID: _l("Enter an 11-digit mainland mobile number, e.g. 13800138000."),
    # Never says that a phone number has an account: only what its owner can do.
    ErrorCode.REGISTRATION_REFUSED: _l(
        "No account was made with these details. If you have registered before, log in with "
        "your username or mobile number; if you have forgotten your password, ask your community "
        "committee or the administrator to reset it. You can also register without a mobile "
        "number."
    ),
    ErrorCode.PASSWORD_TOO_SHORT: _l("The password must have at least 8 characters."),
    ErrorCode.PASSWORD_TOO_SIMPLE: _l("The password is too simple; use letters and digits."),
    ErrorCode.PASSWORD_WRONG: _l("The password is not correct."),
    ErrorCode.ACCOUNT_DELETED: _l("That account has been deleted."),
    ErrorCode.CANNOT_DEMOTE_SELF: _l("You cannot remove your own administrator role."),
    ErrorCode.ALREADY_COMMITTEE: _l("This person already sits on that community's committee."),
    ErrorCode.ALREADY_ORGANIZATION: _l("This person already speaks for an organization."),
    ErrorCode.ORGANIZATION_EXISTS: _l(
        "An organization with that name or registration number exists."
    ),
    ErrorCode.ALREADY_VERIFIED: _l("Your account is already verified for %(community)s."),
    ErrorCode.CODE_UNKNOWN: _l(
        "That code is not known. Check the letters and digits on your sheet."
    ),
    ErrorCode.CODE_USED: _l("That code has already been used. Each code verifies one person only."),
    ErrorCode.CODE_REVOKED: _l("That code was replaced by a newer one. Ask your grid worker."),
    ErrorCode.CODE_OTHER_COMMUNITY: _l(
        "That code belongs to another community. "
        "Open the claim page of the community on your sheet."
    ),
    ErrorCode.PERSON_CLAIMED: _l(
        "This person on the roster is already verified with another account. "
        "If that is wrong, ask the community committee."
    ),
    ErrorCode.NOT_PENDING: _l("This request has already been decided."),
    ErrorCode.ROSTER_ENTRY_REQUIRED: _l(
        "A resident who lives in the community must be matched to a roster entry."
    ),
    ErrorCode.WRONG_COMMUNITY: _l("That belongs to another community."),
    ErrorCode.REASON_REQUIRED: _l("Give a reason."),
    ErrorCode.BIRTH_DATE_FUTURE: _l("The date of birth cannot be in the future."),
    ErrorCode.SLUG_INVALID: _l("A slug is 2 to 59 lower-case letters, digits or dashes."),
    ErrorCode.SLUG_TAKEN: _l("That slug is used by another community."),
    ErrorCode.COMMUNITY_EXISTS: _l(
        "That street already has this community, under the slug %(slug)s."
    ),
}

ROSTER_PROBLEMS: dict[str, Any] = {
    "not_text": _l("The file is not a CSV text file (save it from Excel as “CSV UTF-8”)."),
    "empty_file": _l("The file has no rows."),
    "missing_column": _l("The header has no column “%(value)s”."),
    "missing_value": _l("“%(column)s” is empty."),
    "bad_phone": _l("“%(value)s” is not an 11-digit mainland mobile number."),
    "bad_date": _l("“%(value)s” is not a date of birth (write 1980-05-17)."),
    "bad_basis": _l("“%(value)s” is not a known category (居住, 工作 or 学习)."),
    "duplicate_in_file": _l("The same person at the same address is already on line %(value)s."),
    "unknown_grid": _l("There is no grid “%(value)s” in this community."),
    "too_many_rows": _l("The file has more than %(value)s rows; split it."),
    "too_long": _l("“%(column)s” is too long."),
    "bad_id_number": _l(
        "The ID number is not one: digits only, the last may be X (only its last 4 are kept)."
    ),
}

ROSTER_COLUMNS: dict[str, Any] = {
    "grid": _l("Grid"),
    "address": _l("Address"),
    "name": _l("Name"),
    "phone": _l("Phone"),
    "birth_date": _l("Date of birth"),
    "basis": _l("Category"),
    "id_number": _l("ID number"),
}


def service_message(code: str, params: dict[str, Any] | None = None) -> str:
    """The words for ``code``: an ErrorCode, or its text where a template names one."""
    try:
        template = SERVICE_MESSAGES[ErrorCode(code)]
    except (ValueError, KeyError):
        return gettext("Something went wrong (%(code)s).", code=code)
    values = dict(params or {})
    if isinstance(values.get("cap_fen"), int):
        values["cap"] = gettext("%(amount)s yuan", amount=format_yuan(values["cap_fen"]))
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)


def roster_problem(code: str, column: str | None, value: str | None) -> str:
    template = ROSTER_PROBLEMS.get(code, code)
    column_name = str(ROSTER_COLUMNS.get(column or "", column or ""))
    try:
        return str(template) % {"column": column_name, "value": value or ""}
    except (KeyError, TypeError, ValueError):
        return str(template)


ROLE_LABELS: dict[str, Any] = {
    "resident": _l("Resident"),
    "organization": _l("Organization"),
    "committee": _l("Committee member"),
    "admin": _l("City administrator"),
}

BASIS_LABELS: dict[str, Any] = {
    "live": _l("Lives in the community"),
    "work": _l("Works in the community"),
    "study": _l("Studies in the community"),
}

BASIS_SHORT: dict[str, Any] = {"live": _l("Lives"), "work": _l("Works"), "study": _l("Studies")}

STATUS_LABELS: dict[str, Any] = {
    "pending": _l("Waiting"),
    "verified": _l("Verified"),
    "rejected": _l("Declined"),
    "revoked": _l("Closed"),
}

METHOD_LABELS: dict[str, Any] = {
    "code": _l("Household code"),
    "roster": _l("Matched to the roster"),
    "manual": _l("Checked in person"),
}

NOTICE_LABELS: dict[str, Any] = {
    "returned": _l("The proposal was returned to its proposer for revision."),
    "approved": _l("The proposal was approved for the ballot."),
    "rejected": _l("The proposal was not accepted."),
    "merged": _l("The proposal was merged into another one."),
    "revised": _l("The committee revised the proposal."),
    "withdrawn": _l("The proposal was withdrawn by its author."),
    "reply": _l("Someone replied to your comment."),
    "comment_hidden": _l("The committee hid your comment."),
}

AUDIT_ACTIONS: dict[str, Any] = {
    "account.password_change": _l("Changed their password"),
    "account.password_reset": _l("Reset a password"),
    "account.delete": _l("Deleted their account"),
    "role.admin": _l("Changed the administrator role"),
    "role.committee_add": _l("Added a committee member"),
    "role.committee_remove": _l("Removed a committee member"),
    "role.organization_add": _l("Added an organization's account"),
    "organization.create": _l("Registered an organization"),
    "roster.import": _l("Imported the roster"),
    "codes.issue": _l("Issued household codes"),
    "residency.claim_code": _l("Verified with a household code"),
    "residency.approve": _l("Verified a resident"),
    "residency.reject": _l("Declined a verification request"),
    "place.community": _l("Added or changed a community"),
}

PHASE_LABELS: dict[str, Any] = {
    "upcoming": _l("Not started"),
    "collecting": _l("Proposals (征集)"),
    "screening": _l("Screening and deliberation (协商审核)"),
    "voting": _l("Voting (投票)"),
    "publication": _l("Results published (公示)"),
    "implementation": _l("Implementation (实施)"),
    "closed": _l("Closed"),
}

STATE_LABELS: dict[str, Any] = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned for revision"),
    "approved": _l("On the ballot"),
    "rejected": _l("Not accepted"),
    "merged": _l("Merged"),
    "withdrawn": _l("Withdrawn"),
}

PROJECT_TYPE_LABELS: dict[str, Any] = {
    "engineering": _l("Engineering (工程类)"),
    "service": _l("Service (服务类)"),
    "goods": _l("Goods (货物类)"),
}

STANCE_LABELS: dict[str, Any] = {
    "support": _l("In favour"),
    "oppose": _l("Against"),
    "neutral": _l("Neutral"),
}

FEASIBILITY_LABELS: dict[str, Any] = {
    "feasible": _l("Feasible"),
    "needs_changes": _l("Feasible with changes"),
    "not_feasible": _l("Not feasible"),
}

AUDIT_ACTIONS.update(
    {
        "cycle.create": _l("Created a cycle"),
        "cycle.close_phase": _l("Ended a phase early"),
        "cycle.extend_phase": _l("Extended a phase"),
        "proposal.draft": _l("Saved a draft"),
        "proposal.submit": _l("Submitted the proposal"),
        "proposal.edit": _l("Edited the proposal"),
        "proposal.withdraw": _l("Withdrew the proposal"),
        "proposal.enter_on_behalf": _l("Entered the proposal for a resident"),
        "proposal.return": _l("Returned it for revision"),
        "proposal.approve": _l("Approved it for the ballot"),
        "proposal.reject": _l("Rejected it"),
        "proposal.merge": _l("Merged it into another proposal"),
        "proposal.revise": _l("Revised the cost or the ballot title"),
        "proposal.assess": _l("Recorded a feasibility assessment"),
        "comment.hide": _l("Hid a comment"),
        "comment.restore": _l("Showed a comment again"),
        "comment.keep_hidden": _l("Kept a comment hidden after reports"),
        "comment.keep_shown": _l("Kept a reported comment shown"),
        "proposal.photo_add": _l("Added a photo"),
        "proposal.photo_remove": _l("Removed a photo"),
    }
)

SERVICE_MESSAGES.update(
    {
        ErrorCode.ACTION_NOT_ALLOWED: _l("That cannot be done to this proposal now."),
        ErrorCode.NOT_COLLECTING: _l("Proposals are not being collected in this cycle now."),
        ErrorCode.CANNOT_PROPOSE_NOT_LOGGED_IN: _l("Log in to propose."),
        ErrorCode.CANNOT_PROPOSE_NOT_VERIFIED: _l("Verify your residency to propose."),
        ErrorCode.CANNOT_PROPOSE_OTHER_COMMUNITY: _l("This cycle is for other communities."),
        ErrorCode.CANNOT_PROPOSE_BASIS_NOT_ALLOWED: _l(
            "This cycle is for residents; people who work or study here do not take part."
        ),
        ErrorCode.CANNOT_PROPOSE_TOO_YOUNG: _l("You are below this cycle's minimum age."),
        ErrorCode.UNKNOWN_CATEGORY: _l("Choose one of the cycle's categories."),
        ErrorCode.COST_REQUIRED: _l("Give an estimated cost above zero."),
        ErrorCode.OVER_CAP: _l("The cost is above this cycle's cap of %(cap)s for such projects."),
        ErrorCode.COORDINATES_INCOMPLETE: _l("Give both latitude and longitude, or neither."),
        ErrorCode.COORDINATES_INVALID: _l("Those coordinates are not on the map."),
        ErrorCode.TOO_LONG: _l("The text is too long."),
        ErrorCode.TOO_MANY_PHOTOS: _l("A proposal has at most %(max)s photos."),
        ErrorCode.PHOTO_NOT_AN_IMAGE: _l("That file is not a photo."),
        ErrorCode.PHOTO_UNSUPPORTED_FORMAT: _l("Use a JPEG, PNG or WebP photo."),
        ErrorCode.PHOTO_TOO_LARGE: _l("The photo is too large: at most %(max_mb)s MB."),
        ErrorCode.PHOTO_TOO_MANY_PIXELS: _l("The photo has too many pixels."),
        ErrorCode.PHOTO_TOO_SMALL: _l("The photo is too small to show anything."),
        ErrorCode.PHOTO_CORRUPT: _l("The photo file is damaged."),
        ErrorCode.ALREADY_CO_PROPOSER: _l("That person already proposes this with you."),
        ErrorCode.CO_PROPOSER_NOT_ELIGIBLE: _l(
            "A co-proposer must be a verified resident of the cycle."
        ),
        ErrorCode.UNKNOWN_CHECKLIST_ITEM: _l("That is not on the cycle's checklist."),
        ErrorCode.NOTHING_CHANGED: _l("Nothing was changed."),
        ErrorCode.MERGE_TARGET_INVALID: _l("Merge into an open proposal of the same cycle."),
        ErrorCode.COMMENTS_CLOSED: _l("Comments are closed, or you may not comment here."),
        ErrorCode.WRONG_PROPOSAL: _l("That comment belongs to another proposal."),
        ErrorCode.NOT_HIDDEN: _l("That comment is not hidden."),
        ErrorCode.ALREADY_REVIEWED: _l(
            "That comment has already been decided on; nothing was changed."
        ),
        ErrorCode.CYCLE_SCOPE: _l("A cycle belongs to one community or one street."),
        ErrorCode.CATEGORIES_REQUIRED: _l("Give at least one category."),
        ErrorCode.BUDGET_REQUIRED: _l("Give the cycle's budget."),
        ErrorCode.SCHEDULE_OUT_OF_ORDER: _l("The phases must start in order."),
        ErrorCode.NOT_CURRENT_PHASE: _l("Only the current phase can be ended or extended."),
        ErrorCode.SCHEDULE_CHANGED: _l(
            "The schedule changed a moment ago; nothing was changed. Look at it again."
        ),
        ErrorCode.PHASE_ALREADY_ENDED: _l("That phase has already ended; nothing was changed."),
        ErrorCode.EXTEND_INTO_PAST: _l("Extend to a time in the future."),
        ErrorCode.EXTEND_NOT_LATER: _l("To extend a phase, choose a time after its current end."),
        ErrorCode.OWN_COMMENT: _l("You cannot report your own comment."),
        ErrorCode.REPORT_NOT_ALLOWED: _l(
            "Only residents taking part in this cycle can report comments."
        ),
    }
)

BALLOT_KIND_LABELS: dict[str, Any] = {
    "approval": _l("Approval: choose the projects you want"),
    "budget": _l("Budget: choose projects that fit the budget"),
    "choose_one": _l("Choose one project"),
    "points": _l("Points: distribute points among the projects"),
    "ranking": _l("Ranking: rank your favourite projects"),
}

BALLOT_PROBLEMS: dict[str, Any] = {
    "unknown_project": _l("A chosen project is not on the ballot."),
    "duplicate_project": _l("A project was chosen twice."),
    "choose_exactly_one": _l("Choose exactly one project."),
    "too_few": _l("Choose at least %(minimum)s projects."),
    "too_many": _l("Choose at most %(maximum)s projects."),
    "over_budget": _l("Your choices cost %(spent)s, more than the budget of %(budget)s."),
    "under_min_share": _l("Your choices must use at least %(minimum)s of the budget."),
    "points_not_positive": _l("Give each project you choose at least one point."),
    "points_total": _l("Distribute exactly %(total)s points (you gave %(given)s)."),
    "points_over_max": _l("At most %(maximum)s points on one project."),
}

SERVICE_MESSAGES.update(
    {
        ErrorCode.VOTING_CLOSED: _l("Voting is not open now."),
        ErrorCode.NOT_LOGGED_IN: _l("Log in to vote."),
        ErrorCode.NOT_VERIFIED: _l("Only verified residents vote. Verify your residency first."),
        ErrorCode.OTHER_COMMUNITY: _l("This vote is for residents of other communities."),
        ErrorCode.BASIS_NOT_ALLOWED: _l("This vote is for residents who live in the community."),
        ErrorCode.TOO_YOUNG: _l("You are below this vote's minimum age."),
        ErrorCode.ALREADY_VOTED: _l(
            "You have already voted in this cycle. Each person votes once."
        ),
        ErrorCode.REVISION_NOT_ALLOWED: _l("Ballots cannot be changed in this cycle."),
        ErrorCode.NOTHING_TO_REVISE: _l("You have no ballot in this cycle to change."),
        ErrorCode.RECEIPT_UNKNOWN: _l(
            "That is not the receipt of your ballot in this cycle. Type the code you were given "
            "when you voted."
        ),
        ErrorCode.PAPER_PENDING: _l(
            "A paper ballot of this resident is already waiting for confirmation."
        ),
        ErrorCode.PAPER_DECIDED: _l("That paper ballot has already been decided."),
        ErrorCode.PAPER_SAME_PERSON: _l(
            "You typed this paper ballot already. Another person types it a second time."
        ),
        ErrorCode.PAPER_KEYER_NOT_ALLOWED: _l(
            "The second typist must be an administrator or a committee member of another "
            "community of the street."
        ),
        ErrorCode.VOTING_STARTED: _l("Voting has started; its settings can no longer change."),
        ErrorCode.VOTE_UNIT_UNKNOWN: _l("Choose who has a vote."),
        ErrorCode.BALLOT_KIND_UNKNOWN: _l("Choose how residents vote."),
        ErrorCode.RULE_MIN_NEGATIVE: _l("The fewest projects cannot be negative."),
        ErrorCode.RULE_MAX_BELOW_MIN: _l("The most projects must be at least the fewest."),
        ErrorCode.RULE_BUDGET_MISSING: _l("A budget ballot needs the cycle's budget."),
        ErrorCode.RULE_SHARE_RANGE: _l("The share of the budget is between 0 and 100 per cent."),
        ErrorCode.RULE_POINTS_MISSING: _l("Give the number of points to distribute."),
        ErrorCode.RULE_POINTS_MAX_RANGE: _l("The most points on one project must be positive."),
        ErrorCode.RULE_RANK_K_RANGE: _l("Rank at least one project."),
    }
)

AUDIT_ACTIONS.update(
    {
        "cycle.voting_settings": _l("Set how residents vote"),
        "paper.enter": _l("Typed in a paper ballot"),
        "paper.mismatch": _l("Typed a paper ballot differently from the typing before"),
        "paper.confirm": _l("Typed a paper ballot alike a second time: it counts"),
        "paper.discard": _l("Discarded a paper ballot entry"),
        "cycle.paper_keyer": _l("Named the second typist of paper ballots"),
    }
)


def ballot_problem(code: str, params: dict[str, Any]) -> str:
    values = dict(params)
    for key in ("spent", "budget", "minimum"):
        if code in ("over_budget", "under_min_share") and key in values:
            values[key] = gettext("%(amount)s yuan", amount=format_yuan(int(values[key])))
    template = BALLOT_PROBLEMS.get(code)
    if template is None:
        return code
    return str(template) % values


PAPER_STATUS_LABELS: dict[str, Any] = {
    "pending": _l("waiting for a second typing"),
    "mismatch": _l("typings differ: check the paper again"),
    "confirmed": _l("counted"),
    "discarded": _l("discarded"),
}

SERVICE_MESSAGES.update(
    {
        ErrorCode.TALLY_RULE_UNKNOWN: _l("Choose how the funded projects are chosen."),
        ErrorCode.TIE_BREAK_UNKNOWN: _l("Choose who wins an exact tie."),
        ErrorCode.TALLY_THRESHOLD_NEGATIVE: _l("The minimum score cannot be negative."),
        ErrorCode.COUNT_VOTING_OPEN: _l("The votes can be counted once voting has closed."),
        ErrorCode.COUNT_PAPER_PENDING: _l(
            "Paper ballots are waiting for a second typing, or their typings differ. Type them "
            "again or discard them before counting."
        ),
        ErrorCode.COUNT_UNMIXED: _l(
            "Some sealed ballots could not be opened for the count. Check the ballot key "
            "(BALLOT_KEY) of the server, then count again."
        ),
        ErrorCode.COUNT_NO_PROJECTS: _l("There are no projects on the ballot to count."),
        ErrorCode.RECOUNT_NEEDS_REASON: _l(
            "This cycle has been counted. To count again, give the reason; it is published."
        ),
        ErrorCode.COUNT_ALREADY_MADE: _l(
            "That count has already been made; nothing was counted again."
        ),
        ErrorCode.COUNT_TAKEN_MEANWHILE: _l(
            "Someone else counted the votes at the same time. Reload."
        ),
        ErrorCode.EXPORT_NOT_COUNTED: _l("The cycle has not been counted yet."),
        ErrorCode.EXPORT_BALLOTS_CHANGED: _l(
            "The ballots or the projects have changed since the count; count again first."
        ),
        ErrorCode.IMPORT_RULE_UNSUPPORTED: _l("The file's rule %(rule)s cannot be counted here."),
        ErrorCode.IMPORT_RULE_FILES_ONLY: _l(
            "The file's rule %(rule)s spends money from a reserve outside the budget, which a "
            "cycle cannot do; count the file with “flask pabulib tally” instead."
        ),
        ErrorCode.IMPORT_VOTE_TYPE_UNSUPPORTED: _l(
            "The file's vote type %(vote_type)s is not one of the app's ballots."
        ),
        ErrorCode.IMPORT_MONEY_FRACTION: _l("The %(what)s %(value)s is not a whole number of fen."),
    }
)

AUDIT_ACTIONS.update(
    {
        "cycle.counted": _l("Counted the votes"),
        "cycle.imported": _l("Imported an election from a Pabulib file"),
    }
)

SERVICE_MESSAGES.update(
    {
        ErrorCode.OBJECTIONS_CLOSED: _l(
            "Objections can be filed only while the results are provisional."
        ),
        ErrorCode.CANNOT_OBJECT_NOT_LOGGED_IN: _l("Log in to object to the results."),
        ErrorCode.CANNOT_OBJECT_NOT_VERIFIED: _l(
            "Only verified residents may object. Verify first."
        ),
        ErrorCode.CANNOT_OBJECT_OTHER_COMMUNITY: _l("These results are of another community."),
        ErrorCode.CANNOT_OBJECT_BASIS_NOT_ALLOWED: _l(
            "This cycle's residents object, not visitors."
        ),
        ErrorCode.CANNOT_OBJECT_TOO_YOUNG: _l("You are below this cycle's minimum age."),
        ErrorCode.OBJECTION_PROJECT_UNKNOWN: _l("Choose one of this cycle's projects, or none."),
        ErrorCode.OBJECTIONS_TOO_MANY: _l(
            "You have %(max)s objections waiting for an answer; wait for the committee's answer."
        ),
        ErrorCode.OBJECTION_ANSWERED: _l("This objection has already been answered."),
        ErrorCode.OBJECTION_DECISION_UNKNOWN: _l(
            "Choose whether the objection is upheld or dismissed."
        ),
        ErrorCode.NOT_FUNDED: _l("Only projects funded by the final result are implemented."),
        ErrorCode.AMOUNT_NOT_POSITIVE: _l("Give an amount above zero."),
        ErrorCode.DATE_IN_FUTURE: _l("That date is in the future."),
        ErrorCode.STATUS_UNKNOWN: _l("Choose a status."),
        ErrorCode.STATUS_MOVE: _l("A project cannot go from that status to the one chosen."),
        ErrorCode.PROGRESS_RANGE: _l("Progress is between 0 and 100 per cent."),
        ErrorCode.PHOTO_KIND_UNKNOWN: _l(
            "Say whether a photo is before, during or after the work."
        ),
        ErrorCode.RATING_NOT_OPEN: _l("A project can be rated once it is completed."),
        ErrorCode.CANNOT_RATE_NOT_LOGGED_IN: _l("Log in to rate the project."),
        ErrorCode.CANNOT_RATE_NOT_VERIFIED: _l("Only verified residents rate projects."),
        ErrorCode.CANNOT_RATE_OTHER_COMMUNITY: _l("Residents of the project's community rate it."),
        ErrorCode.STARS_RANGE: _l("Give 1 to 5 stars."),
        ErrorCode.ALREADY_RATED: _l(
            "You have already rated this project. Each resident rates once."
        ),
        ErrorCode.REPORTS_NOT_OPEN: _l(
            "Problems can be reported once the project is being carried out."
        ),
        ErrorCode.CANNOT_REPORT_NOT_LOGGED_IN: _l("Log in to report a problem."),
        ErrorCode.CANNOT_REPORT_NOT_VERIFIED: _l("Only verified residents report problems."),
        ErrorCode.CANNOT_REPORT_OTHER_COMMUNITY: _l(
            "Residents of the project's community report here."
        ),
    }
)

AUDIT_ACTIONS.update(
    {
        "objection.file": _l("Objected to the results"),
        "objection.answer": _l("Answered an objection"),
        "implementation.start": _l("Opened the implementation record"),
        "implementation.details": _l("Changed the contractor or planned budget"),
        "implementation.spend": _l("Recorded spending"),
        "implementation.unspend": _l("Took back a spending entry"),
        "implementation.milestone": _l("Added a milestone"),
        "implementation.milestone_done": _l("Marked a milestone done"),
        "implementation.update": _l("Posted a progress update"),
        "problem.report": _l("Reported a problem"),
        "problem.answer": _l("Answered a problem report"),
    }
)

NOTICE_LABELS.update(
    {
        "objection_answered": _l("The committee answered your objection to the results."),
        "progress": _l("There is news of the project's progress."),
        "problem_answered": _l("The committee answered the problem you reported."),
    }
)

IMPLEMENTATION_STATUS_LABELS: dict[str, Any] = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "accepted": _l("Accepted (验收)"),
}

OBJECTION_STATUS_LABELS: dict[str, Any] = {
    "open": _l("Waiting for an answer"),
    "upheld": _l("Upheld"),
    "dismissed": _l("Dismissed"),
}

RESULTS_STATUS_LABELS: dict[str, Any] = {
    "none": _l("Not counted yet"),
    "provisional": _l("Provisional (公示): objections are open"),
    "final": _l("Final"),
}

PHOTO_KIND_LABELS: dict[str, Any] = {
    "before": _l("Before the work"),
    "during": _l("During the work"),
    "after": _l("After the work"),
}

# Paper artefacts (纸质材料).
SERVICE_MESSAGES[ErrorCode.PAPER_WHERE_TOO_LONG] = _l(
    "Say where and when in at most %(max)s characters; the ballot has room for no more."
)
AUDIT_ACTIONS["cycle.paper_where"] = _l("Set where and when paper ballots are cast")
# Grid workers (网格员)
SERVICE_MESSAGES.update(
    {
        ErrorCode.GRID_WORKER_UNKNOWN_ACCOUNT: _l(
            "No account logs in with that name or number. Check it, or ask the person to "
            "register first."
        ),
        ErrorCode.GRID_WORKER_ALREADY: _l("This person already works in that grid."),
        ErrorCode.GRID_ASSIGNMENT_ENDED: _l("That assignment has already ended."),
        ErrorCode.CONSENT_REQUIRED: _l(
            "Ask the resident first: tick the box only once they agree that you submit it for "
            "them and that their name is shown."
        ),
        ErrorCode.ENTRY_NOT_IN_GRID: _l(
            "That person is not on this grid's roster. Choose from the list, or type the name."
        ),
    }
)
AUDIT_ACTIONS.update(
    {
        "grid.assign": _l("Made someone a grid worker"),
        "grid.unassign": _l("Ended a grid worker's assignment"),
        "proposal.enter_at_door": _l("A grid worker entered the proposal for a resident"),
    }
)
ROLE_LABELS["grid_worker"] = _l("Grid worker")
# --- notices that reach people ------------------------------------------------------------

NOTICE_LABELS.update(
    {
        "voting_open": _l("Voting is open."),
        "results_published": _l("The results are published."),
        "outcome": _l("The count is published."),
        "phone_code": _l("Confirmation code"),
    }
)

SERVICE_MESSAGES.update(
    {
        ErrorCode.PHONE_CODE_TOO_SOON: _l(
            "A code was sent to this number a moment ago. Wait %(seconds)s seconds, then ask "
            "for a new one."
        ),
        ErrorCode.PHONE_CODE_TOO_MANY: _l(
            "This number has been sent 10 codes today. Try again tomorrow, or ask the "
            "committee for help."
        ),
        ErrorCode.PHONE_CODE_NONE: _l(
            "No code is waiting for this number. Enter your number and ask for a code first."
        ),
        ErrorCode.PHONE_CODE_EXPIRED: _l(
            "This code has expired (a code is valid for 10 minutes). Ask for a new code."
        ),
        ErrorCode.PHONE_CODE_WRONG: _l(
            "That is not the code we sent. Check the text message and type it again "
            "(%(left)s tries left)."
        ),
        ErrorCode.PHONE_CODE_TRIES_USED: _l(
            "The code was typed wrongly 5 times, so it no longer works. Ask for a new code."
        ),
        ErrorCode.PHONE_NOT_CONFIRMED: _l(
            "Confirm your mobile number with a code first; then text messages can be turned on."
        ),
        ErrorCode.ANNOUNCEMENT_NOT_NOW: _l("This announcement does not fit the cycle's phase now."),
        ErrorCode.ANNOUNCEMENT_MADE: _l(
            "This announcement has already been sent for this cycle; it is sent only once."
        ),
        ErrorCode.MESSAGE_NOT_FAILED: _l("This message has not failed: there is nothing to retry."),
    }
)

AUDIT_ACTIONS.update(
    {
        "notice.phone_code": _l("Asked for a code to confirm a mobile number"),
        "notice.phone_confirmed": _l("Confirmed a mobile number for notices"),
        "notice.channels": _l("Chose how to be told"),
        "notice.announce": _l("Announced to every resident"),
        "notice.retry": _l("Tried a failed message again"),
    }
)

ANNOUNCEMENT_LABELS: dict[str, Any] = {
    "voting_open": _l("Voting is open (with its end date)"),
    "results_published": _l("The results are published (with a link)"),
}

MESSAGE_STATUS_LABELS: dict[str, Any] = {
    "queued": _l("Waiting to be sent"),
    "failed": _l("Failed, will be tried again"),
    "sent": _l("Sent out"),
    "given_up": _l("Given up after several tries"),
}

CHANNEL_LABELS: dict[str, Any] = {
    "sms": _l("Text message"),
    "email": _l("E-mail"),
    "app": _l("In the account"),
}

# Polling stations, paper ballots of people without an account, roster upkeep.
SERVICE_MESSAGES.update(
    {
        ErrorCode.ROSTER_NOT_ACTIVE: _l(
            "This person is marked on the roster as moved away or deceased, and cannot vote. "
            "If that is a mistake, the committee changes it on the roster page."
        ),
        ErrorCode.IDENTITY_CHECK_REQUIRED: _l(
            "Say how you checked who the person is: ID card seen, known to you, household code, "
            "or another way."
        ),
        ErrorCode.STATION_CLOSED: _l(
            "This polling station is closed and takes no more ballots. Open another one to go on."
        ),
        ErrorCode.STATION_NAME_REQUIRED: _l(
            "Give the polling station a name, for example the school or square where it is."
        ),
        ErrorCode.STATION_NAME_TAKEN: _l(
            "A polling station of this cycle already has that name. Choose another name."
        ),
        ErrorCode.RECONCILIATION_NUMBERS: _l(
            "Type the number of ballots received, spoiled and blank, each a whole number of "
            "0 or more."
        ),
        ErrorCode.RECONCILIATION_MISMATCH: _l(
            "The numbers do not add up: %(received)s ballots received, but %(entered)s entered "
            "+ %(spoiled)s spoiled + %(blank)s blank = %(total)s. Count the ballots again; the "
            "station stays open until they add up."
        ),
        ErrorCode.STANDING_UNKNOWN: _l("Choose whether the person moved away or died."),
        ErrorCode.STANDING_UNCHANGED: _l("The roster already says so of this person."),
        ErrorCode.TRANSFER_TARGET_UNKNOWN: _l(
            "No account has that phone number or login name. Ask the resident to register "
            "with the new phone first, then search again."
        ),
        ErrorCode.TRANSFER_TARGET_HAS_RESIDENCY: _l(
            "That account already belongs to a resident. Choose an account that is not "
            "verified yet."
        ),
        ErrorCode.TRANSFER_NOT_VERIFIED: _l(
            "Only a verified resident's account can be moved to a new account."
        ),
    }
)

AUDIT_ACTIONS.update(
    {
        "station.open": _l("Opened a polling station"),
        "station.close": _l("Closed a polling station with its count of ballots"),
        "roster.standing": _l("Marked a person on the roster moved away, deceased or back"),
        "residency.move_from": _l("Moved a resident's verification away from this account"),
        "residency.move_to": _l("Moved a resident's verification to this account"),
    }
)

IDENTITY_CHECK_LABELS: dict[str, Any] = {
    "id_card": _l("ID card seen"),
    "known_to_worker": _l("Known to me personally"),
    "household_code": _l("Showed their household code"),
    "other": _l("Another way"),
}

STANDING_LABELS: dict[str, Any] = {
    "active": _l("On the roster"),
    "moved": _l("Moved away"),
    "deceased": _l("Deceased"),
}

AUDIT_ACTIONS["cycle.grid_workers_paper"] = _l(
    "Let the community's grid workers type paper ballots, or stopped them"
)

# --- deliberative bodies and meetings ----------------------------------------------------------

SERVICE_MESSAGES.update(
    {
        ErrorCode.BODY_NAME_TAKEN: _l(
            "The community already has a body with that name. Choose another name."
        ),
        ErrorCode.BODY_RULE_INVALID: _l(
            "Type the rules as fractions of whole numbers: the quorum more than 0 and at most "
            "1 (for example 2 / 3), the majority at least 0 and less than 1 (for example 1 / 2)."
        ),
        ErrorCode.MEMBER_ALREADY: _l("That person is already a member of this body."),
        ErrorCode.MEMBER_UNKNOWN_ACCOUNT: _l(
            "No account has that login name or phone number. Leave it empty to add the person "
            "by name only."
        ),
        ErrorCode.MEETING_NO_MEMBERS: _l(
            "This body has no members yet. Add its members first, then schedule the meeting."
        ),
        ErrorCode.MEETING_NO_AGENDA: _l(
            "Put at least one item on the agenda: tick a proposal or type another item."
        ),
        ErrorCode.AGENDA_PROPOSAL_INVALID: _l(
            "One of the proposals cannot go on this agenda (another community's, withdrawn, "
            "or of a closed cycle). Reload the page and choose again."
        ),
        ErrorCode.MEETING_CLOSED: _l(
            "This meeting is cancelled or its resolutions are published: it cannot be changed."
        ),
        ErrorCode.MEETING_NO_QUORUM: _l(
            "No quorum: %(present)s of %(expected)s members are present, %(needed)s are needed. "
            "The meeting cannot decide. Mark who has arrived, or schedule the item again."
        ),
        ErrorCode.VOTES_EXCEED: _l(
            "More votes than members who may vote: %(voters)s are present and not recused. "
            "Count again."
        ),
        ErrorCode.VOTE_INCOMPLETE: _l(
            "No vote is recorded. Type the numbers for, against and abstaining (or each "
            "member's vote)."
        ),
        ErrorCode.ITEM_RESOLVED: _l(
            "This item already has its resolution. It was recorded once; nothing was changed."
        ),
        ErrorCode.NOTHING_TO_PUBLISH: _l(
            "No item has been voted on yet: record the votes first, then publish."
        ),
        ErrorCode.NOT_A_MEMBER: _l(
            "Your account is not on this meeting's list of members. Tell the secretary your "
            "name: they mark you present."
        ),
        ErrorCode.SECRETARY_NOT_MEMBER: _l(
            "The secretary must be a member of the body that meets. Choose one of its members."
        ),
        ErrorCode.AGENDA_ITEM_DECIDED: _l(
            "This item has been voted on: its resolution stays on the agenda."
        ),
        ErrorCode.AGENDA_LAST_ITEM: _l(
            "This is the agenda's only item. Add another item first, or cancel the meeting."
        ),
        ErrorCode.AGENDA_ALREADY: _l("That proposal is already on this meeting's agenda."),
        ErrorCode.PHONE_CODE_NOT_RESENT: _l(
            "A confirmation code is not sent again: it works for 10 minutes only. The resident "
            "asks for a new code on their notice settings page."
        ),
    }
)

AUDIT_ACTIONS.update(
    {
        "body.create": _l("Added a deliberative body"),
        "body.update": _l("Changed a body's name or rules"),
        "body.member_add": _l("Added a member to a body"),
        "body.member_remove": _l("Removed a member from a body"),
        "meeting.schedule": _l("Scheduled a meeting"),
        "meeting.attendance": _l("Recorded who is present at a meeting"),
        "meeting.vote": _l("Recorded a vote at a meeting"),
        "meeting.minutes": _l("Saved a meeting's minutes"),
        "meeting.publish": _l("Published a meeting's resolutions"),
        "meeting.cancel": _l("Cancelled a meeting"),
        "meeting.check_in": _l("Checked in at a meeting with the code shown in the room"),
        "meeting.agenda": _l("Changed a meeting's agenda"),
        "meeting.secretary": _l("Named a meeting's secretary"),
        "proposal.resolution": _l("Resolution of a meeting"),
    }
)

BODY_KIND_LABELS: dict[str, Any] = {
    "committees": _l("两委会 (joint meeting of the two committees)"),
    "council": _l("居务协商会 (community council)"),
    "representatives": _l("居民代表会议 (residents' representatives)"),
    "party_members": _l("党员大会 (party members' assembly)"),
}

DECISION_LABELS: dict[str, Any] = {
    "passed": _l("passed"),
    "failed": _l("not passed"),
    "no_quorum": _l("no quorum"),
}

PRESENCE_LABELS: dict[str, Any] = {
    "present": _l("present"),
    "absent": _l("absent"),
    "excused": _l("excused"),
}

RECUSAL_LABELS: dict[str, Any] = {
    "author": _l("wrote the proposal"),
    "co_proposer": _l("co-proposed it"),
    "supporter": _l("supported it"),
}

MEETING_STATUS_LABELS: dict[str, Any] = {
    "scheduled": _l("scheduled"),
    "held": _l("held"),
    "cancelled": _l("cancelled"),
}

CHOICE_LABELS: dict[str, Any] = {
    "for": _l("for"),
    "against": _l("against"),
    "abstain": _l("abstain"),
}

# Screening guards and screening by resolution (四议两公开)
SERVICE_MESSAGES.update(
    {
        ErrorCode.SCREENING_CONFLICT_AUTHOR: _l(
            "You wrote this proposal: you must stand aside, and other committee members decide "
            "on it."
        ),
        ErrorCode.SCREENING_CONFLICT_CO_PROPOSER: _l(
            "You are a co-proposer of this proposal: you must stand aside, and other committee "
            "members decide on it."
        ),
        ErrorCode.SCREENING_CONFLICT_SUPPORTER: _l(
            "You supported this proposal: you must stand aside, and other committee members "
            "decide on it."
        ),
        ErrorCode.ASSESSMENT_REQUIRED: _l(
            "Answer the screening checklist first: record the feasibility assessment, then "
            "approve or reject."
        ),
        ErrorCode.APPROVAL_NOTE_REQUIRED: _l(
            "Write the reason for approval: it is published in the proposal's decision log."
        ),
        ErrorCode.RESOLUTION_MISSING_CONSULT: _l(
            "This cycle is screened by resolution: the joint meeting of the two committees has "
            "not yet passed a resolution on the proposal (step 1, consultation)."
        ),
        ErrorCode.RESOLUTION_MISSING_REVIEW: _l(
            "This cycle is screened by resolution: the party members' assembly has not yet passed "
            "a resolution on the proposal after the two committees' (step 2, review)."
        ),
        ErrorCode.RESOLUTION_MISSING_RESOLVE: _l(
            "This cycle is screened by resolution: the residents' representatives have not yet "
            "passed a resolution on the proposal after the party members' assembly (step 3, "
            "resolution)."
        ),
        ErrorCode.REJECTION_NEEDS_FAILED_RESOLUTION: _l(
            "This cycle is screened by resolution: the proposal can be rejected "
            "only after a meeting's resolution on it did not pass. Until then, return it for "
            "revision or put it on a meeting's agenda."
        ),
        ErrorCode.SCREENING_MODE_UNKNOWN: _l("Choose how the proposals are screened."),
        ErrorCode.SCREENING_MODE_LOCKED: _l(
            "A proposal of this cycle has already been approved or rejected: the way proposals "
            "are screened can no longer change."
        ),
    }
)

# Remedies of upheld objections and the corrected count.
SERVICE_MESSAGES.update(
    {
        ErrorCode.REMEDY_OBJECTION_OTHER_CYCLE: _l(
            "That objection is about another cycle's results."
        ),
        ErrorCode.REMEDY_NOT_PROVISIONAL: _l(
            "The results can be corrected only while they are provisional."
        ),
        ErrorCode.REMEDY_OBJECTION_NOT_UPHELD: _l(
            "Only an objection the committee upheld can lead to a correction."
        ),
        ErrorCode.REMEDY_KIND_UNKNOWN: _l(
            "Choose to correct the project's cost or to withdraw it."
        ),
        ErrorCode.REMEDY_PROJECT_UNKNOWN: _l(
            "Choose a project that was on the ballot and is not withdrawn."
        ),
        ErrorCode.REMEDY_COST_INVALID: _l("Enter the corrected cost in yuan, more than zero."),
        ErrorCode.REMEDY_DUPLICATE: _l(
            "This project already has a correction waiting for the next count: take it back"
            " first to change it."
        ),
        ErrorCode.REMEDY_APPLIED: _l(
            "This correction has been counted already; it stays in the public record."
        ),
    }
)

AUDIT_ACTIONS["cycle.screening_mode"] = _l("Changed how the cycle's proposals are screened")

SCREENING_MODE_LABELS: dict[str, Any] = {
    "committee": _l("By the committee's decision"),
    "resolution": _l(
        "By resolution (四议两公开): 两委会, then 党员大会, then 居民代表会议 must pass it"
    ),
}

SCREENING_STEP_LABELS: dict[str, Any] = {
    "consult": _l("Step 1, 商议: the 两委会"),
    "review": _l("Step 2, 审议: the 党员大会"),
    "resolve": _l("Step 3, 决议: the 居民代表会议"),
}

CONFLICT_LABELS: dict[str, Any] = {
    "author": _l(
        "You wrote this proposal: you stand aside (回避), other committee members decide."
    ),
    "co_proposer": _l(
        "You are a co-proposer of this proposal: you stand aside (回避), other committee "
        "members decide."
    ),
    "supporter": _l(
        "You supported this proposal: you stand aside (回避), other committee members decide."
    ),
}
AUDIT_ACTIONS.update(
    {
        "remedy.add": _l("Recorded a correction after an objection"),
        "remedy.cancel": _l("Took back a correction not yet counted"),
    }
)

NOTICE_LABELS.update(
    {
        "recounted": _l(
            "The committee corrected the results after your objection and counted again."
        ),
    }
)

# The shortlist's 公示 before voting (候选项目公示).
SERVICE_MESSAGES.update(
    {
        ErrorCode.SHORTLIST_NOT_REQUIRED: _l(
            "This cycle has no shortlist notice before voting (0 days)."
        ),
        ErrorCode.SHORTLIST_NOT_SCREENING: _l(
            "The shortlist can only be published during screening."
        ),
        ErrorCode.SHORTLIST_TOO_LATE: _l(
            "Too late: a %(days)s-day notice must be published by %(latest)s to end before"
            " voting opens. Move the start of voting later, then publish."
        ),
        ErrorCode.SHORTLIST_UNDECIDED: _l(
            "%(count)s proposals are still waiting for a decision (submitted or returned)."
            " Decide them first."
        ),
        ErrorCode.SHORTLIST_ALREADY_PUBLISHED: _l("The shortlist has already been published."),
        ErrorCode.SHORTLIST_FROZEN: _l(
            "The shortlist has been published: the list can no longer be changed, except a"
            " proposal reopened by an upheld objection."
        ),
        ErrorCode.SHORTLIST_PENDING: _l(
            "The shortlist notice is not complete yet: voting cannot open."
        ),
        ErrorCode.SHORTLIST_DAYS_INVALID: _l("The shortlist notice lasts from 0 to 30 days."),
        ErrorCode.SHORTLIST_OBJECTIONS_CLOSED: _l(
            "Objections to the shortlist are accepted only while it is published."
        ),
        ErrorCode.SHORTLIST_ANSWERS_CLOSED: _l(
            "Voting has opened: objections to the shortlist can no longer be answered here."
            " Move the start of voting later to answer."
        ),
        ErrorCode.SHORTLIST_PROPOSAL_UNKNOWN: _l("Choose a proposal of the published list."),
        ErrorCode.SHORTLIST_REOPEN_INVALID: _l(
            "Only an upheld objection about an approved or rejected proposal can reopen it."
        ),
        ErrorCode.SHORTLIST_DAYS_CLOSED: _l(
            "The number of days can only change before voting, while the shortlist is not"
            " published."
        ),
    }
)

SHORTLIST_STATUS_LABELS: dict[str, Any] = {
    "not_required": _l("No shortlist notice"),
    "unpublished": _l("The shortlist is not published yet"),
    "open": _l("The shortlist is published: objections are open"),
    "answering": _l("Objections closed; the committee is answering"),
    "done": _l("The shortlist notice is complete"),
}

SHORTLIST_MISSING_LABELS: dict[str, Any] = {
    "unpublished": _l("the committee publishes the shortlist"),
    "window_running": _l("the objection period ends"),
    "objections_open": _l("the committee answers every objection"),
    "undecided": _l("the committee decides the reopened proposals again"),
}

AUDIT_ACTIONS.update(
    {
        "cycle.shortlist_publish": _l("Published the shortlist for objections"),
        "cycle.shortlist_days": _l("Changed the days of the shortlist notice"),
        "shortlist_objection.file": _l("Objected to the shortlist"),
        "shortlist_objection.answer": _l("Answered an objection to the shortlist"),
        "proposal.reopen": _l("Reopened it for screening after an objection"),
    }
)

NOTICE_LABELS.update(
    {
        "reopened": _l("After an objection, the proposal is screened again."),
        "shortlist_objection_answered": _l(
            "The committee answered your objection to the shortlist."
        ),
    }
)

# Small wishes (点亮微心愿)
SERVICE_MESSAGES.update(
    {
        ErrorCode.CANNOT_WISH_NOT_LOGGED_IN: _l("Log in to send a wish."),
        ErrorCode.CANNOT_WISH_NOT_VERIFIED: _l(
            "Verify your residency first: wishes come from the community's residents."
        ),
        ErrorCode.CANNOT_WISH_OTHER_COMMUNITY: _l(
            "You can send wishes only to the community where you are a verified resident."
        ),
        ErrorCode.WISH_TOO_MANY_OPEN: _l(
            "You already have 5 wishes waiting for an answer. Send another once one is answered."
        ),
        ErrorCode.WISH_TEXT_REQUIRED: _l("Write what you wish for."),
        ErrorCode.WISH_ALREADY_ANSWERED: _l("This wish has already been answered."),
        ErrorCode.WISH_ANSWER_UNKNOWN: _l("Choose an answer."),
        ErrorCode.WISH_ANSWER_TEXT_REQUIRED: _l(
            "Write the public answer: what was said where it was referred, or why it is declined."
        ),
        ErrorCode.WISH_REFERRED_TO_REQUIRED: _l("Say where it was referred, e.g. 12345."),
        ErrorCode.WISH_NOT_TAKEN: _l(
            "Only a wish taken into the next cycle can become a proposal."
        ),
        ErrorCode.WISH_ALREADY_PROPOSED: _l("A proposal has already been made from this wish."),
        ErrorCode.WISH_NO_COLLECTING_CYCLE: _l(
            "No cycle of this community is collecting proposals now. Make the proposal when the"
            " next cycle opens for proposals."
        ),
    }
)

WISH_STATUS_LABELS: dict[str, Any] = {
    "open": _l("Waiting for an answer"),
    "taken": _l("Taken into the next cycle"),
    "referred": _l("Referred"),
    "declined": _l("Not taken up"),
}

AUDIT_ACTIONS.update(
    {
        "wish.send": _l("Sent a small wish"),
        "wish.answer": _l("Answered a small wish"),
        "wish.proposed": _l("Made a proposal from a small wish"),
        "proposal.from_wish": _l("Entered a proposal from a small wish"),
    }
)

NOTICE_LABELS.update(
    {
        "wish_answered": _l("The committee answered your small wish."),
        "wish_proposed": _l("A proposal was made from your small wish:"),
    }
)

# acceptance (验收) and the satisfaction survey
ACCEPTANCE_RESULT_LABELS: dict[str, Any] = {
    "accepted": _l("Accepted"),
    "accepted_with_fixes": _l("Accepted with fixes"),
    "not_accepted": _l("Not accepted: to be redone"),
}

INSPECTOR_ROLE_LABELS: dict[str, Any] = {
    "committee": _l("Committee member"),
    "resident": _l("Resident representative"),
    "supplier": _l("Supplier or contractor"),
}

SURVEY_ANSWER_LABELS: dict[str, Any] = {
    "satisfied": _l("Satisfied"),
    "basically": _l("Basically satisfied"),
    "dissatisfied": _l("Dissatisfied"),
}

SERVICE_MESSAGES.update(
    {
        ErrorCode.PROJECT_CLOSED: _l("The project has been accepted and is closed."),
        ErrorCode.ACCEPTANCE_NOT_COMPLETED: _l(
            "Acceptance comes after the work: post an update marking it completed first."
        ),
        ErrorCode.ACCEPTANCE_RECORDED: _l(
            "This inspection has already been recorded; the page shows it."
        ),
        ErrorCode.ACCEPTANCE_RESULT_UNKNOWN: _l("Choose the result of the inspection."),
        ErrorCode.ACCEPTANCE_NO_INSPECTORS: _l("Name at least one person who inspected."),
        ErrorCode.ACCEPTANCE_ROLE_UNKNOWN: _l("Choose each inspector's role."),
        ErrorCode.ACCEPTANCE_INSPECTOR_ACCOUNT: _l(
            "A linked account must be one of this community's committee members."
        ),
        ErrorCode.ACCEPTANCE_FIXES_REQUIRED: _l("Say which fixes are required and by what date."),
        ErrorCode.ACCEPTANCE_REDO_REQUIRED: _l("Say what must be redone."),
        ErrorCode.ACCEPTANCE_TOO_MANY_DOCUMENTS: _l("An inspection has at most %(max)s documents."),
        ErrorCode.DOCUMENT_NOT_PDF_OR_IMAGE: _l(
            "A document must be a PDF file or a JPEG, PNG or WebP photo."
        ),
        ErrorCode.DOCUMENT_TOO_LARGE: _l("The PDF is too large: at most %(max_mb)s MB."),
        ErrorCode.SURVEY_NO_ANSWERS: _l("Type how many forms gave each answer; none were given."),
        ErrorCode.SURVEY_COUNT_RANGE: _l("Each count is a whole number from 0 to %(max)s."),
    }
)

AUDIT_ACTIONS.update(
    {
        "acceptance.record": _l("Recorded an acceptance inspection"),
        "acceptance.survey": _l("Entered paper survey answers"),
    }
)

# the service menu (服务菜单 / 点单)
SERVICE_MESSAGES.update(
    {
        ErrorCode.OFFER_NOT_MEMBER: _l(
            "Only the members of a registered organization write offers for the service menu."
        ),
        ErrorCode.OFFER_ACTION_NOT_ALLOWED: _l("That cannot be done to this offer now."),
        ErrorCode.OFFER_ALREADY_DECIDED: _l("This offer has already been vetted."),
        ErrorCode.OFFER_TITLE_REQUIRED: _l("Give the offer a title."),
        ErrorCode.OFFER_DESCRIPTION_REQUIRED: _l("Describe what the service is and who it is for."),
        ErrorCode.OFFER_UNIT_REQUIRED: _l("Say what the price is for, e.g. per session."),
        ErrorCode.OFFER_PRICE_RANGE: _l(
            "The price must be more than 0 and at most 1,000,000 yuan."
        ),
        ErrorCode.OFFER_CAPACITY_RANGE: _l(
            "The capacity is a whole number of projects from 1 to 1000."
        ),
        ErrorCode.OFFER_UNKNOWN_CATEGORY: _l("Choose one of the categories."),
        ErrorCode.OFFER_UNKNOWN_STREET: _l("Choose the city or one of the streets."),
        ErrorCode.OFFER_TOO_MANY_PHOTOS: _l("An offer has at most %(max)s photos."),
        ErrorCode.OFFER_NOT_APPROVED: _l(
            "This offer is not on the service menu: only vetted offers can be proposed from."
        ),
        ErrorCode.OFFER_OUT_OF_SCOPE: _l(
            "This offer is in another street's library: only that street's communities can"
            " propose from it."
        ),
        ErrorCode.OFFER_FULL: _l(
            "This offer is full: the organization is delivering as many projects from it as it"
            " can at once. Propose from it again once one of them is accepted."
        ),
        ErrorCode.OFFER_NO_COLLECTING_CYCLE: _l(
            "No cycle of your community is collecting proposals now. Propose from the menu when"
            " the next cycle opens for proposals."
        ),
        ErrorCode.OFFER_CANNOT_PROPOSE: _l(
            "Only verified residents and committee members of a community propose from the"
            " service menu."
        ),
        ErrorCode.OFFER_QUANTITY_RANGE: _l("The quantity is a whole number from 1 to %(max)s."),
    }
)

OFFER_STATUS_LABELS: dict[str, Any] = {
    "draft": _l("Draft"),
    "pending": _l("Waiting for vetting"),
    "approved": _l("On the menu"),
    "refused": _l("Refused"),
    "withdrawn": _l("Withdrawn"),
}

AUDIT_ACTIONS.update(
    {
        "offer.create": _l("Wrote an offer for the service menu"),
        "offer.edit": _l("Edited an offer of the service menu"),
        "offer.submit": _l("Submitted an offer for vetting"),
        "offer.withdraw": _l("Withdrew an offer"),
        "offer.approve": _l("Approved an offer for the service menu"),
        "offer.refuse": _l("Refused an offer for the service menu"),
    }
)

NOTICE_LABELS.update(
    {
        "offer_approved": _l("Your organization's offer is on the service menu:"),
        "offer_refused": _l("Your organization's offer was refused:"),
    }
)

# --- delivery contracts -------------------------------------------------------------------------

UPDATE_REVIEW_LABELS: dict[str, Any] = {
    "published": _l("Published"),
    "pending": _l("Waiting for the committee's approval"),
    "returned": _l("Returned"),
}

SERVICE_MESSAGES.update(
    {
        ErrorCode.CONTRACT_EXISTS: _l("This project already has its contract; amend it instead."),
        ErrorCode.CONTRACT_SUPPLIER_ONE: _l(
            "Choose a registered organization or type the company's name: one of the two."
        ),
        ErrorCode.CONTRACT_ORGANIZATION_UNKNOWN: _l("That organization is not registered here."),
        ErrorCode.CONTRACT_AMOUNT_NOT_POSITIVE: _l("The contract's amount must be above zero."),
        ErrorCode.CONTRACT_ABOVE_PLAN: _l(
            "The contract's amount, %(amount)s yuan, is above the project's planned budget of "
            "%(planned)s yuan."
        ),
        ErrorCode.CONTRACT_BELOW_PAID: _l(
            "The contract's amount, %(amount)s yuan, is below the %(paid)s yuan already paid "
            "against it."
        ),
        ErrorCode.CONTRACT_ENDS_BEFORE_START: _l("The contract cannot end before it starts."),
        ErrorCode.CONTRACT_OVERPAID: _l(
            "A payment of %(amount)s yuan is more than the contract allows: %(paid)s of its "
            "%(contract)s yuan are paid, %(remaining)s yuan remain."
        ),
        ErrorCode.CONTRACT_FULLY_PAID: _l("The contract is fully paid; it can no longer change."),
        ErrorCode.CONTRACT_UPDATE_NOT_PENDING: _l(
            "This update is no longer waiting: it has already been approved or returned."
        ),
    }
)

AUDIT_ACTIONS.update(
    {
        "contract.record": _l("Recorded a delivery contract"),
        "contract.amend": _l("Amended a delivery contract"),
        "contract.update_posted": _l("Posted a supplier's progress update"),
        "contract.update_approved": _l("Approved a supplier's progress update"),
        "contract.update_returned": _l("Returned a supplier's progress update"),
    }
)

# --- procurement packages (采购包) -------------------------------------------------------------

PACKAGE_KIND_LABELS: dict[str, Any] = {
    "engineering": _l("Engineering (工程)"),
    "goods": _l("Goods (货物)"),
    "services": _l("Services (服务)"),
}

PACKAGE_METHOD_LABELS: dict[str, Any] = {
    "inquiry": _l("Request for quotations (询价)"),
    "consultation": _l("Competitive consultation (竞争性磋商)"),
    "open_tender": _l("Open tender (公开招标)"),
    "single_source": _l("Single source (单一来源)"),
    "other": _l("Other method"),
}

SERVICE_MESSAGES.update(
    {
        ErrorCode.PACKAGE_CYCLE_NOT_IMPLEMENTING: _l(
            "Procurement packages are put together while the cycle is in implementation."
        ),
        ErrorCode.PACKAGE_NAME_TAKEN: _l("This cycle already has a package of that name."),
        ErrorCode.PACKAGE_KIND_UNKNOWN: _l("Choose the kind of the package."),
        ErrorCode.PACKAGE_METHOD_UNKNOWN: _l("Choose a procurement method from the list."),
        ErrorCode.PACKAGE_PROJECT_NOT_FUNDED: _l(
            "Only this cycle's funded projects, with their implementation record, go into its "
            "packages."
        ),
        ErrorCode.PACKAGE_PROJECT_TAKEN: _l(
            "This project is already in the package “%(name)s”: remove it there first."
        ),
        ErrorCode.PACKAGE_FIXED: _l(
            "The package has a supplier and a project in it has payments: its projects, "
            "supplier and amount no longer change."
        ),
        ErrorCode.PACKAGE_NOT_EMPTY: _l(
            "Only an empty package can be deleted: remove its projects first."
        ),
        ErrorCode.PACKAGE_NO_PROJECTS: _l("Add a project to the package before its supplier."),
        ErrorCode.PACKAGE_AMOUNT_REQUIRED: _l(
            "Give the supplier and the awarded amount together: an amount of yuan above 0."
        ),
        ErrorCode.PACKAGE_AMOUNT_OVER: _l(
            "The awarded amount of %(amount)s yuan exceeds the projects' planned total of "
            "%(planned)s yuan."
        ),
        ErrorCode.PACKAGE_ONE_SUPPLIER: _l(
            "A package has one supplier: choose a registered organization or type a company's "
            "name, not both."
        ),
        ErrorCode.PACKAGE_SUPPLIER_UNKNOWN: _l(
            "Choose an organization from the list of registered organizations."
        ),
        ErrorCode.PACKAGE_REMOVAL_UNCOVERS: _l(
            "Without this project the package's planned total would be %(planned)s yuan, below "
            "its awarded amount of %(amount)s yuan: change the amount first."
        ),
    }
)

AUDIT_ACTIONS.update(
    {
        "package.create": _l("Created a procurement package"),
        "package.update": _l("Changed a procurement package"),
        "package.add": _l("Added a project to a procurement package"),
        "package.remove": _l("Removed a project from a procurement package"),
        "package.supplier": _l("Set a procurement package's supplier"),
        "package.delete": _l("Deleted a procurement package"),
    }
)

# the supplier is told what became of its progress update
NOTICE_LABELS.update(
    {
        "supplier_update_approved": _l("Your progress update was approved and published:"),
        "supplier_update_returned": _l("Your progress update was returned by the committee:"),
    }
)
