"""Errors a use case reports to its caller: a code and parameters, worded by the web layer."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Every reason a use case refuses. A StrEnum, so that a code still equals its text: the
    templates and the command line compare and print codes as text."""

    # Any use case
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    REASON_REQUIRED = "reason_required"
    NOTHING_CHANGED = "nothing_changed"
    WRONG_COMMUNITY = "wrong_community"

    # Accounts
    USERNAME_INVALID = "username_invalid"
    USERNAME_TAKEN = "username_taken"
    LOGIN_NEEDED = "login_needed"
    PHONE_INVALID = "phone_invalid"
    REGISTRATION_REFUSED = "registration_refused"
    PASSWORD_TOO_SHORT = "password_too_short"
    PASSWORD_TOO_SIMPLE = "password_too_simple"
    PASSWORD_WRONG = "password_wrong"
    ACCOUNT_DELETED = "account_deleted"
    CANNOT_DEMOTE_SELF = "cannot_demote_self"
    ALREADY_COMMITTEE = "already_committee"
    ALREADY_ORGANIZATION = "already_organization"
    ORGANIZATION_EXISTS = "organization_exists"

    # Residency
    ALREADY_VERIFIED = "already_verified"
    CODE_UNKNOWN = "code_unknown"
    CODE_USED = "code_used"
    CODE_REVOKED = "code_revoked"
    CODE_OTHER_COMMUNITY = "code_other_community"
    PERSON_CLAIMED = "person_claimed"
    NOT_PENDING = "not_pending"
    ROSTER_ENTRY_REQUIRED = "roster_entry_required"
    BIRTH_DATE_FUTURE = "birth_date_future"

    # Places
    SLUG_INVALID = "slug_invalid"
    SLUG_TAKEN = "slug_taken"
    COMMUNITY_EXISTS = "community_exists"

    # Who may take part in a cycle as a resident (the domain's eligibility codes)
    NOT_LOGGED_IN = "not_logged_in"
    NOT_VERIFIED = "not_verified"
    OTHER_COMMUNITY = "other_community"
    BASIS_NOT_ALLOWED = "basis_not_allowed"
    TOO_YOUNG = "too_young"

    # Proposals
    ACTION_NOT_ALLOWED = "action_not_allowed"
    NOT_COLLECTING = "not_collecting"
    CANNOT_PROPOSE_NOT_LOGGED_IN = "cannot_propose_not_logged_in"
    CANNOT_PROPOSE_NOT_VERIFIED = "cannot_propose_not_verified"
    CANNOT_PROPOSE_OTHER_COMMUNITY = "cannot_propose_other_community"
    CANNOT_PROPOSE_BASIS_NOT_ALLOWED = "cannot_propose_basis_not_allowed"
    CANNOT_PROPOSE_TOO_YOUNG = "cannot_propose_too_young"
    UNKNOWN_CATEGORY = "unknown_category"
    COST_REQUIRED = "cost_required"
    OVER_CAP = "over_cap"
    COORDINATES_INCOMPLETE = "coordinates_incomplete"
    COORDINATES_INVALID = "coordinates_invalid"
    ALREADY_CO_PROPOSER = "already_co_proposer"
    CO_PROPOSER_NOT_ELIGIBLE = "co_proposer_not_eligible"
    UNKNOWN_CHECKLIST_ITEM = "unknown_checklist_item"
    MERGE_TARGET_INVALID = "merge_target_invalid"

    # Photos (the photo cleaner's codes, prefixed)
    TOO_MANY_PHOTOS = "too_many_photos"
    PHOTO_NOT_AN_IMAGE = "photo_not_an_image"
    PHOTO_UNSUPPORTED_FORMAT = "photo_unsupported_format"
    PHOTO_TOO_LARGE = "photo_too_large"
    PHOTO_TOO_MANY_PIXELS = "photo_too_many_pixels"
    PHOTO_TOO_SMALL = "photo_too_small"
    PHOTO_CORRUPT = "photo_corrupt"

    # Comments
    COMMENTS_CLOSED = "comments_closed"
    WRONG_PROPOSAL = "wrong_proposal"
    NOT_HIDDEN = "not_hidden"
    ALREADY_REVIEWED = "already_reviewed"
    OWN_COMMENT = "own_comment"
    REPORT_NOT_ALLOWED = "report_not_allowed"

    # Cycles
    CYCLE_SCOPE = "cycle_scope"
    CATEGORIES_REQUIRED = "categories_required"
    BUDGET_REQUIRED = "budget_required"
    SCHEDULE_OUT_OF_ORDER = "schedule_out_of_order"
    NOT_CURRENT_PHASE = "not_current_phase"
    PHASE_ALREADY_ENDED = "phase_already_ended"
    SCHEDULE_CHANGED = "schedule_changed"
    EXTEND_INTO_PAST = "extend_into_past"
    EXTEND_NOT_LATER = "extend_not_later"

    # Voting settings (rule_*: the domain's ballot rule problems, prefixed)
    VOTING_STARTED = "voting_started"
    VOTE_UNIT_UNKNOWN = "vote_unit_unknown"
    BALLOT_KIND_UNKNOWN = "ballot_kind_unknown"
    RULE_MIN_NEGATIVE = "rule_min_negative"
    RULE_MAX_BELOW_MIN = "rule_max_below_min"
    RULE_BUDGET_MISSING = "rule_budget_missing"
    RULE_SHARE_RANGE = "rule_share_range"
    RULE_POINTS_MISSING = "rule_points_missing"
    RULE_POINTS_MAX_RANGE = "rule_points_max_range"
    RULE_RANK_K_RANGE = "rule_rank_k_range"
    TALLY_RULE_UNKNOWN = "tally_rule_unknown"
    TIE_BREAK_UNKNOWN = "tie_break_unknown"
    TALLY_THRESHOLD_NEGATIVE = "tally_threshold_negative"

    # Voting
    VOTING_CLOSED = "voting_closed"
    ALREADY_VOTED = "already_voted"
    # Never worded as such: the ballot's problems are, each by itself.
    BALLOT_INVALID = "ballot_invalid"
    REVISION_NOT_ALLOWED = "revision_not_allowed"
    NOTHING_TO_REVISE = "nothing_to_revise"
    RECEIPT_UNKNOWN = "receipt_unknown"
    PAPER_PENDING = "paper_pending"
    PAPER_DECIDED = "paper_decided"
    PAPER_SAME_PERSON = "paper_same_person"
    PAPER_KEYER_NOT_ALLOWED = "paper_keyer_not_allowed"

    # Counting, and the Pabulib export and import
    COUNT_VOTING_OPEN = "count_voting_open"
    COUNT_PAPER_PENDING = "count_paper_pending"
    COUNT_UNMIXED = "count_unmixed"
    COUNT_NO_PROJECTS = "count_no_projects"
    RECOUNT_NEEDS_REASON = "recount_needs_reason"
    COUNT_TAKEN_MEANWHILE = "count_taken_meanwhile"
    COUNT_ALREADY_MADE = "count_already_made"
    EXPORT_NOT_COUNTED = "export_not_counted"
    EXPORT_BALLOTS_CHANGED = "export_ballots_changed"
    IMPORT_RULE_UNSUPPORTED = "import_rule_unsupported"
    IMPORT_RULE_FILES_ONLY = "import_rule_files_only"
    IMPORT_VOTE_TYPE_UNSUPPORTED = "import_vote_type_unsupported"
    IMPORT_MONEY_FRACTION = "import_money_fraction"

    # Objections to the results
    OBJECTIONS_CLOSED = "objections_closed"
    CANNOT_OBJECT_NOT_LOGGED_IN = "cannot_object_not_logged_in"
    CANNOT_OBJECT_NOT_VERIFIED = "cannot_object_not_verified"
    CANNOT_OBJECT_OTHER_COMMUNITY = "cannot_object_other_community"
    CANNOT_OBJECT_BASIS_NOT_ALLOWED = "cannot_object_basis_not_allowed"
    CANNOT_OBJECT_TOO_YOUNG = "cannot_object_too_young"
    OBJECTION_PROJECT_UNKNOWN = "objection_project_unknown"
    OBJECTIONS_TOO_MANY = "objections_too_many"
    OBJECTION_ANSWERED = "objection_answered"
    OBJECTION_DECISION_UNKNOWN = "objection_decision_unknown"

    # Implementation
    NOT_FUNDED = "not_funded"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    DATE_IN_FUTURE = "date_in_future"
    STATUS_UNKNOWN = "status_unknown"
    STATUS_MOVE = "status_move"
    PROGRESS_RANGE = "progress_range"
    PHOTO_KIND_UNKNOWN = "photo_kind_unknown"
    RATING_NOT_OPEN = "rating_not_open"
    CANNOT_RATE_NOT_LOGGED_IN = "cannot_rate_not_logged_in"
    CANNOT_RATE_NOT_VERIFIED = "cannot_rate_not_verified"
    CANNOT_RATE_OTHER_COMMUNITY = "cannot_rate_other_community"
    STARS_RANGE = "stars_range"
    ALREADY_RATED = "already_rated"
    REPORTS_NOT_OPEN = "reports_not_open"
    CANNOT_REPORT_NOT_LOGGED_IN = "cannot_report_not_logged_in"
    CANNOT_REPORT_NOT_VERIFIED = "cannot_report_not_verified"
    CANNOT_REPORT_OTHER_COMMUNITY = "cannot_report_other_community"
    # Notices that reach people: phone confirmation, channels, announcements, the outbox.
    PHONE_CODE_TOO_SOON = "phone_code_too_soon"
    PHONE_CODE_TOO_MANY = "phone_code_too_many"
    PHONE_CODE_NONE = "phone_code_none"
    PHONE_CODE_EXPIRED = "phone_code_expired"
    PHONE_CODE_WRONG = "phone_code_wrong"
    PHONE_CODE_TRIES_USED = "phone_code_tries_used"
    PHONE_NOT_CONFIRMED = "phone_not_confirmed"
    ANNOUNCEMENT_NOT_NOW = "announcement_not_now"
    ANNOUNCEMENT_MADE = "announcement_made"
    MESSAGE_NOT_FAILED = "message_not_failed"

    # Paper artefacts
    PAPER_WHERE_TOO_LONG = "paper_where_too_long"
    # Grid workers
    GRID_WORKER_UNKNOWN_ACCOUNT = "grid_worker_unknown_account"
    GRID_WORKER_ALREADY = "grid_worker_already"
    GRID_ASSIGNMENT_ENDED = "grid_assignment_ended"
    CONSENT_REQUIRED = "consent_required"
    ENTRY_NOT_IN_GRID = "entry_not_in_grid"

    # Polling stations and roster upkeep
    ROSTER_NOT_ACTIVE = "roster_not_active"
    IDENTITY_CHECK_REQUIRED = "identity_check_required"
    STATION_CLOSED = "station_closed"
    STATION_NAME_REQUIRED = "station_name_required"
    STATION_NAME_TAKEN = "station_name_taken"
    RECONCILIATION_NUMBERS = "reconciliation_numbers"
    RECONCILIATION_MISMATCH = "reconciliation_mismatch"
    STANDING_UNKNOWN = "standing_unknown"
    STANDING_UNCHANGED = "standing_unchanged"
    TRANSFER_TARGET_UNKNOWN = "transfer_target_unknown"
    TRANSFER_TARGET_HAS_RESIDENCY = "transfer_target_has_residency"
    TRANSFER_NOT_VERIFIED = "transfer_not_verified"

    # Deliberative bodies and meetings
    BODY_NAME_TAKEN = "body_name_taken"
    BODY_RULE_INVALID = "body_rule_invalid"
    MEMBER_ALREADY = "member_already"
    MEMBER_UNKNOWN_ACCOUNT = "member_unknown_account"
    MEETING_NO_MEMBERS = "meeting_no_members"
    MEETING_NO_AGENDA = "meeting_no_agenda"
    AGENDA_PROPOSAL_INVALID = "agenda_proposal_invalid"
    MEETING_CLOSED = "meeting_closed"
    MEETING_NO_QUORUM = "meeting_no_quorum"
    VOTES_EXCEED = "votes_exceed"
    VOTE_INCOMPLETE = "vote_incomplete"
    ITEM_RESOLVED = "item_resolved"
    NOTHING_TO_PUBLISH = "nothing_to_publish"
    NOT_A_MEMBER = "not_a_member"
    SECRETARY_NOT_MEMBER = "secretary_not_member"
    AGENDA_ITEM_DECIDED = "agenda_item_decided"
    AGENDA_LAST_ITEM = "agenda_last_item"
    AGENDA_ALREADY = "agenda_already"

    # Notices
    PHONE_CODE_NOT_RESENT = "phone_code_not_resent"

    # Screening guards and screening by resolution (四议两公开)
    SCREENING_CONFLICT_AUTHOR = "screening_conflict_author"
    SCREENING_CONFLICT_CO_PROPOSER = "screening_conflict_co_proposer"
    SCREENING_CONFLICT_SUPPORTER = "screening_conflict_supporter"
    ASSESSMENT_REQUIRED = "assessment_required"
    APPROVAL_NOTE_REQUIRED = "approval_note_required"
    RESOLUTION_MISSING_CONSULT = "resolution_missing_consult"
    RESOLUTION_MISSING_REVIEW = "resolution_missing_review"
    RESOLUTION_MISSING_RESOLVE = "resolution_missing_resolve"
    REJECTION_NEEDS_FAILED_RESOLUTION = "rejection_needs_failed_resolution"
    SCREENING_MODE_UNKNOWN = "screening_mode_unknown"
    SCREENING_MODE_LOCKED = "screening_mode_locked"
    # remedies
    REMEDY_OBJECTION_OTHER_CYCLE = "remedy_objection_other_cycle"
    REMEDY_NOT_PROVISIONAL = "remedy_not_provisional"
    REMEDY_OBJECTION_NOT_UPHELD = "remedy_objection_not_upheld"
    REMEDY_KIND_UNKNOWN = "remedy_kind_unknown"
    REMEDY_PROJECT_UNKNOWN = "remedy_project_unknown"
    REMEDY_COST_INVALID = "remedy_cost_invalid"
    REMEDY_DUPLICATE = "remedy_duplicate"
    REMEDY_APPLIED = "remedy_applied"
    # shortlist
    SHORTLIST_NOT_REQUIRED = "shortlist_not_required"
    SHORTLIST_NOT_SCREENING = "shortlist_not_screening"
    SHORTLIST_TOO_LATE = "shortlist_too_late"
    SHORTLIST_UNDECIDED = "shortlist_undecided"
    SHORTLIST_ALREADY_PUBLISHED = "shortlist_already_published"
    SHORTLIST_FROZEN = "shortlist_frozen"
    SHORTLIST_PENDING = "shortlist_pending"
    SHORTLIST_DAYS_INVALID = "shortlist_days_invalid"
    SHORTLIST_OBJECTIONS_CLOSED = "shortlist_objections_closed"
    SHORTLIST_ANSWERS_CLOSED = "shortlist_answers_closed"
    SHORTLIST_PROPOSAL_UNKNOWN = "shortlist_proposal_unknown"
    SHORTLIST_REOPEN_INVALID = "shortlist_reopen_invalid"
    SHORTLIST_DAYS_CLOSED = "shortlist_days_closed"
    # wishes
    CANNOT_WISH_NOT_LOGGED_IN = "cannot_wish_not_logged_in"
    CANNOT_WISH_NOT_VERIFIED = "cannot_wish_not_verified"
    CANNOT_WISH_OTHER_COMMUNITY = "cannot_wish_other_community"
    WISH_TOO_MANY_OPEN = "wish_too_many_open"
    WISH_TEXT_REQUIRED = "wish_text_required"
    WISH_ALREADY_ANSWERED = "wish_already_answered"
    WISH_ANSWER_UNKNOWN = "wish_answer_unknown"
    WISH_ANSWER_TEXT_REQUIRED = "wish_answer_text_required"
    WISH_REFERRED_TO_REQUIRED = "wish_referred_to_required"
    WISH_NOT_TAKEN = "wish_not_taken"
    WISH_ALREADY_PROPOSED = "wish_already_proposed"
    WISH_NO_COLLECTING_CYCLE = "wish_no_collecting_cycle"

    # acceptance
    PROJECT_CLOSED = "project_closed"
    ACCEPTANCE_NOT_COMPLETED = "acceptance_not_completed"
    ACCEPTANCE_RECORDED = "acceptance_recorded"
    ACCEPTANCE_RESULT_UNKNOWN = "acceptance_result_unknown"
    ACCEPTANCE_NO_INSPECTORS = "acceptance_no_inspectors"
    ACCEPTANCE_ROLE_UNKNOWN = "acceptance_role_unknown"
    ACCEPTANCE_INSPECTOR_ACCOUNT = "acceptance_inspector_account"
    ACCEPTANCE_FIXES_REQUIRED = "acceptance_fixes_required"
    ACCEPTANCE_REDO_REQUIRED = "acceptance_redo_required"
    ACCEPTANCE_TOO_MANY_DOCUMENTS = "acceptance_too_many_documents"
    DOCUMENT_NOT_PDF_OR_IMAGE = "document_not_pdf_or_image"
    DOCUMENT_TOO_LARGE = "document_too_large"
    SURVEY_NO_ANSWERS = "survey_no_answers"
    SURVEY_COUNT_RANGE = "survey_count_range"

    # the service menu (服务菜单)
    OFFER_NOT_MEMBER = "offer_not_member"
    OFFER_ACTION_NOT_ALLOWED = "offer_action_not_allowed"
    OFFER_ALREADY_DECIDED = "offer_already_decided"
    OFFER_TITLE_REQUIRED = "offer_title_required"
    OFFER_DESCRIPTION_REQUIRED = "offer_description_required"
    OFFER_UNIT_REQUIRED = "offer_unit_required"
    OFFER_PRICE_RANGE = "offer_price_range"
    OFFER_CAPACITY_RANGE = "offer_capacity_range"
    OFFER_UNKNOWN_CATEGORY = "offer_unknown_category"
    OFFER_UNKNOWN_STREET = "offer_unknown_street"
    OFFER_TOO_MANY_PHOTOS = "offer_too_many_photos"
    OFFER_NOT_APPROVED = "offer_not_approved"
    OFFER_OUT_OF_SCOPE = "offer_out_of_scope"
    OFFER_FULL = "offer_full"
    OFFER_NO_COLLECTING_CYCLE = "offer_no_collecting_cycle"
    OFFER_CANNOT_PROPOSE = "offer_cannot_propose"
    OFFER_QUANTITY_RANGE = "offer_quantity_range"
    # delivery contracts
    CONTRACT_EXISTS = "contract_exists"
    CONTRACT_SUPPLIER_ONE = "contract_supplier_one"
    CONTRACT_ORGANIZATION_UNKNOWN = "contract_organization_unknown"
    CONTRACT_AMOUNT_NOT_POSITIVE = "contract_amount_not_positive"
    CONTRACT_ABOVE_PLAN = "contract_above_plan"
    CONTRACT_BELOW_PAID = "contract_below_paid"
    CONTRACT_ENDS_BEFORE_START = "contract_ends_before_start"
    CONTRACT_OVERPAID = "contract_overpaid"
    CONTRACT_FULLY_PAID = "contract_fully_paid"
    CONTRACT_UPDATE_NOT_PENDING = "contract_update_not_pending"
    # procurement packages (采购包)
    PACKAGE_CYCLE_NOT_IMPLEMENTING = "package_cycle_not_implementing"
    PACKAGE_NAME_TAKEN = "package_name_taken"
    PACKAGE_KIND_UNKNOWN = "package_kind_unknown"
    PACKAGE_METHOD_UNKNOWN = "package_method_unknown"
    PACKAGE_PROJECT_NOT_FUNDED = "package_project_not_funded"
    PACKAGE_PROJECT_TAKEN = "package_project_taken"
    PACKAGE_FIXED = "package_fixed"
    PACKAGE_NOT_EMPTY = "package_not_empty"
    PACKAGE_NO_PROJECTS = "package_no_projects"
    PACKAGE_AMOUNT_REQUIRED = "package_amount_required"
    PACKAGE_AMOUNT_OVER = "package_amount_over"
    PACKAGE_ONE_SUPPLIER = "package_one_supplier"
    PACKAGE_SUPPLIER_UNKNOWN = "package_supplier_unknown"
    PACKAGE_REMOVAL_UNCOVERS = "package_removal_uncovers"


class ServiceError(Exception):
    def __init__(self, code: ErrorCode | str, **params: Any) -> None:
        # Text is still taken from the modules not yet written with ErrorCode; an unknown text
        # fails here, where it is raised, and not as a bare code on a page.
        self.code = ErrorCode(code)
        super().__init__(self.code)
        self.params = params


class PermissionDenied(ServiceError):
    def __init__(self, **params: Any) -> None:
        super().__init__(ErrorCode.FORBIDDEN, **params)


class NotFound(ServiceError):
    def __init__(self, **params: Any) -> None:
        super().__init__(ErrorCode.NOT_FOUND, **params)
