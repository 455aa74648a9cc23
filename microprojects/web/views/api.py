"""The public, read-only API (``/api/v1``): cycles, projects, the stored count snapshots with each
project's explanation, objections, turnout aggregates, implementation and spending, as JSON and
as CSV, described by the OpenAPI document it serves (``microprojects/web/openapi.json``).

Nothing about a person is reachable: no account, username, name, phone, e-mail, residency,
roster entry, participation or voter key, and no id of who proposed, entered, counted, answered
or objected. Only what the public pages show, less the names of proposers and committee members.

Every response costs a fixed number of queries, whatever the number of projects or ballots:
related rows are loaded with ``selectinload`` and figures with aggregate queries.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from ...domain.acceptance import Answer, satisfaction
from ...domain.implementation import rating_summary, results_status
from ...models import (
    Acceptance,
    Community,
    Count,
    CountOutcome,
    Cycle,
    DeliveryContract,
    Implementation,
    ProcurementPackage,
    Proposal,
    ServiceOffer,
)
from ...services import counting, opendata, publication, voting
from ...services.cycles import find_cycle
from ...services.implementation import shown_progress, summary
from ...services.opendata import ProjectExtras
from .helpers import now, to_utc

bp = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI = Path(__file__).resolve().parents[1] / "openapi.json"
PHASES = ("collecting", "screening", "voting", "publication", "implementation", "closed")
# A CSV cell starting with one of these is a formula to Excel: a title such as "=HYPERLINK(...)"
# must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DIGITS = re.compile(r"[0-9]{1,9}")


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.parameter = parameter


def bad_parameter(name: str, message: str) -> ApiError:
    return ApiError(400, "bad_parameter", message, name)


def not_found(what: str, ident: int) -> ApiError:
    return ApiError(404, "not_found", f"There is no {what} {ident}.")


@bp.errorhandler(ApiError)
def api_error(error: ApiError) -> tuple[Response, int]:
    body = {"error": error.error, "message": error.message, "parameter": error.parameter}
    return jsonify(body), error.status


@bp.after_request
def open_to_every_site(response: Response) -> Response:
    # Public data, the same for everyone, never dependent on a login: any site may read it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- values -----------------------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    """A stored time (naive UTC) in RFC 3339."""
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat() + "Z"


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _int_param(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not DIGITS.fullmatch(raw.strip()):
        raise bad_parameter(name, f"{name} must be a positive whole number.")
    return int(raw)


def _text_param(name: str) -> str | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.strip():
        raise bad_parameter(name, f"{name} must not be empty.")
    return raw.strip()


# --- cycles -----------------------------------------------------------------------------------


def _cycle_or_404(cycle_id: int) -> Cycle:
    found = find_cycle(cycle_id)
    if found is None:
        raise not_found("cycle", cycle_id)
    return found


def _filtered_cycles() -> list[Cycle]:
    """The cycles the query string asks for; a bad filter is a 400 naming the parameter."""
    district_ids = street_ids = None
    community = None
    opens_from = opens_until = None
    district = _text_param("district")
    if district is not None:
        district_ids = opendata.find_district_ids(district)
        if not district_ids:
            raise bad_parameter("district", f"There is no district named {district}.")
    street = _text_param("street")
    if street is not None:
        street_ids = opendata.find_street_ids(street)
        if not street_ids:
            raise bad_parameter("street", f"There is no street named {street}.")
    slug = _text_param("community")
    if slug is not None:
        community = opendata.find_community(slug)
        if community is None:
            raise bad_parameter("community", f"There is no community {slug}.")
    year = _int_param("year")
    if year is not None:
        if not 1900 <= year <= 9998:
            raise bad_parameter("year", "year must be a year between 1900 and 9998.")
        # The year in which the cycle opens, by the local calendar, as the overview files it.
        opens_from = to_utc(datetime(year, 1, 1))
        opens_until = to_utc(datetime(year + 1, 1, 1))
    return opendata.find_cycles(
        opendata.CycleFilters(
            district_ids=district_ids,
            street_ids=street_ids,
            community=community,
            opens_from=opens_from,
            opens_until=opens_until,
        )
    )


def _community(community: Community) -> dict[str, Any]:
    return {"id": community.id, "slug": community.slug, "name": community.name}


def cycle_json(cycle: Cycle, counted: bool, at: datetime) -> dict[str, Any]:
    street = cycle.community.street if cycle.community is not None else cycle.street
    assert street is not None
    phase = cycle.phase(at)
    links = {
        "self": url_for("api.cycle", cycle_id=cycle.id),
        "results": url_for("api.cycle_results", cycle_id=cycle.id),
        "results_csv": url_for("api.cycle_results_csv", cycle_id=cycle.id),
        "projects": url_for("api.projects", cycle=cycle.id),
        "projects_csv": url_for("api.projects_csv", cycle=cycle.id),
        "page": url_for("proposals.cycle", cycle_id=cycle.id),
        "results_page": url_for("results.cycle_results", cycle_id=cycle.id),
    }
    return {
        "id": cycle.id,
        "title": cycle.title,
        "description": cycle.description,
        "scope": "community" if cycle.community_id is not None else "street",
        "scope_name": cycle.scope_name,
        "community": None if cycle.community is None else _community(cycle.community),
        "street": {"id": street.id, "name": street.name},
        "district": {
            "id": street.district.id,
            "name": street.district.name,
            "city": street.district.city,
        },
        "phase": phase.value,
        "schedule": {f"{p}_at": _time(getattr(cycle, f"{p}_at")) for p in PHASES},
        "budget_fen": cycle.budget_fen,
        "currency": cycle.currency,
        "caps": {
            "project_fen": cycle.project_cap_fen,
            "engineering_fen": cycle.cap_engineering_fen,
            "service_fen": cycle.cap_service_fen,
            "goods_fen": cycle.cap_goods_fen,
        },
        "categories": list(cycle.categories or ()),
        "eligibility": {
            "min_age": cycle.min_age,
            "allow_work": cycle.allow_work,
            "allow_study": cycle.allow_study,
        },
        "ballot": {
            "kind": cycle.ballot_kind,
            "min_choices": cycle.ballot_min,
            "max_choices": cycle.ballot_max,
            "min_share_pct": cycle.ballot_min_share_pct,
            "points_total": cycle.points_total,
            "points_max": cycle.points_max,
            "rank_k": cycle.rank_k,
            "vote_unit": cycle.vote_unit,
            "allow_revision": cycle.allow_revision,
        },
        "count_rule": {
            "rule": cycle.tally_rule,
            "threshold": cycle.tally_threshold,
            "tie_break": cycle.tie_break,
            "exclusive_groups": [[int(i) for i in g] for g in cycle.exclusive_groups or ()],
        },
        "results_status": results_status(phase, counted).value,
        "public_turnout": cycle.public_turnout,
        "links": links,
    }


@bp.get("/cycles")
def cycles() -> ResponseReturnValue:
    found = _filtered_cycles()
    counted = opendata.find_counted([c.id for c in found])
    at = now()
    return jsonify({"cycles": [cycle_json(c, c.id in counted, at) for c in found]})


@bp.get("/cycles/<int:cycle_id>")
def cycle(cycle_id: int) -> ResponseReturnValue:
    found = opendata.find_cycle_with_places(cycle_id)
    if found is None:
        raise not_found("cycle", cycle_id)
    return jsonify(cycle_json(found, bool(opendata.find_counted([found.id])), now()))


# --- results ----------------------------------------------------------------------------------


def _ids(values: Iterable[Any]) -> list[int]:
    return [int(v) for v in values]


def _params(count: Count) -> dict[str, Any]:
    params = count.params or {}
    groups: dict[str, list[int]] = {}
    for pid, name in (params.get("groups") or {}).items():
        groups.setdefault(str(name), []).append(int(pid))
    return {
        "vote_type": params.get("vote_type"),
        "threshold": params.get("threshold"),
        "max_length": params.get("max_length"),
        "tie_break": params.get("tie_break"),
        "order": _ids(params.get("order") or ()),
        "exclusive_groups": [
            {"name": name, "proposal_ids": sorted(members)}
            for name, members in sorted(groups.items())
        ],
        "withdrawn": _ids(params.get("withdrawn") or ()),
        "mes_completion": params.get("mes_completion"),
        "add1_step": params.get("add1_step"),
    }


def _comparison(result: dict[str, Any]) -> dict[str, Any] | None:
    found = result.get("comparison")
    if not found:
        return None
    return {
        "prefer_mes": found["prefer_mes"],
        "prefer_greedy": found["prefer_greedy"],
        "indifferent": found["indifferent"],
        "chosen": found["chosen"],
        "mes_selected": _ids(found["mes_selected"]),
        "greedy_selected": _ids(found["greedy_selected"]),
    }


def _line(outcome: CountOutcome) -> dict[str, Any]:
    return {
        "proposal_id": outcome.proposal_id,
        "title": outcome.proposal.display_title,
        "category": outcome.proposal.category,
        "position": outcome.position,
        "rank": outcome.rank,
        "score": outcome.score,
        "cost_fen": outcome.cost_fen,
        "funded": outcome.funded,
        "explanation": outcome.explanation,
    }


def count_json(count: Count, outcomes: list[CountOutcome]) -> dict[str, Any]:
    result = count.result or {}
    mes = result.get("mes")
    return {
        "number": count.number,
        "created_at": _time(count.created_at),
        "reason": count.reason,
        "rule": count.rule,
        "pabulib_rule": (count.params or {}).get("pabulib_rule"),
        "params": _params(count),
        "unit": count.unit,
        "ballots_digest": count.ballots_digest,
        "num_ballots": count.num_ballots,
        "budget_fen": count.budget_fen,
        "cost_used_fen": count.cost_used_fen,
        "budget_left_fen": count.budget_fen - count.cost_used_fen,
        "selected": _ids(result.get("selected") or ()),
        "mes": None if not mes else dict(mes),
        "comparison": _comparison(result),
        "projects": [_line(o) for o in outcomes],
    }


def _turnout(cycle: Cycle, at: datetime) -> dict[str, Any] | None:
    """Aggregates only, and only where the cycle publishes them or its voting has ended."""
    if not (cycle.public_turnout or cycle.phase(at) in counting.COUNTED_PHASES):
        return None
    t = voting.turnout(cycle)
    return {
        "total": t.total,
        "eligible": t.eligible,
        "by_community": [
            {"community": name, "voted": voted, "eligible": eligible}
            for name, voted, eligible in t.by_community
        ],
        "by_grid": [{"community": c, "grid": g, "voted": n} for c, g, n in t.by_grid],
        "by_channel": dict(t.by_channel),
        "by_day": [{"day": day, "voted": n} for day, n in t.by_day],
    }


@bp.get("/cycles/<int:cycle_id>/results")
def cycle_results(cycle_id: int) -> ResponseReturnValue:
    found = _cycle_or_404(cycle_id)
    at = now()
    every = counting.counts(found)  # the latest first
    latest = every[0] if every else None
    numbers = {c.id: c.number for c in every}
    body = {
        "cycle_id": found.id,
        "status": publication.status_of(found, at, latest).value,
        "count": None if latest is None else count_json(latest, opendata.list_outcomes(latest)),
        "earlier_counts": [
            {"number": c.number, "created_at": _time(c.created_at), "reason": c.reason}
            for c in every[1:]
        ],
        "objections": [
            {
                "id": o.id,
                "count_number": numbers.get(o.count_id),
                "proposal_id": o.proposal_id,
                "reason": o.reason,
                "status": o.status,
                "answer": o.answer,
                "created_at": _time(o.created_at),
                "answered_at": _time(o.answered_at),
            }
            for o in publication.objections(found)
        ],
        "remedies": [
            {
                "id": r.id,
                "objection_id": r.objection_id,
                "proposal_id": r.proposal_id,
                "kind": r.kind,
                "cost_fen": r.cost_fen,
                "reason": r.reason,
                "created_at": _time(r.created_at),
                "applied_in_count": r.applied_count.number if r.applied_count else None,
            }
            for r in counting.remedies(found)
        ],
        "turnout": _turnout(found, at),
        "links": {
            "cycle": url_for("api.cycle", cycle_id=found.id),
            "csv": url_for("api.cycle_results_csv", cycle_id=found.id),
            "page": url_for("results.cycle_results", cycle_id=found.id),
            "counted_ballots": (
                None if latest is None else url_for("results.counted_ballots", cycle_id=found.id)
            ),
        },
    }
    return jsonify(body)


# --- projects ---------------------------------------------------------------------------------


def _listed_projects() -> list[Proposal]:
    cycle_id = _int_param("cycle")
    if cycle_id is not None and not opendata.cycle_exists(cycle_id):
        raise bad_parameter("cycle", f"There is no cycle {cycle_id}.")
    return opendata.list_projects(cycle_id)


def _media(filename: str) -> str:
    return url_for("proposals.media", name=filename)


def _ratings(stars: dict[int, int]) -> dict[str, Any]:
    number, mean, counts = rating_summary(s for s, n in stars.items() for _ in range(n))
    return {"number": number, "mean": mean, "counts": {str(k): v for k, v in counts.items()}}


def contract_json(found: tuple[DeliveryContract, int] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    contract, paid = found
    return {
        "supplier": contract.supplier,
        "organization_id": contract.organization_id,
        "number": contract.number,
        "amount_fen": contract.amount_fen,
        "paid_fen": paid,
        "signed_on": _day(contract.signed_on),
        "starts_on": _day(contract.starts_on),
        "ends_on": _day(contract.ends_on),
        "deliverables": contract.deliverables,
    }


def package_json(package: ProcurementPackage | None) -> dict[str, Any] | None:
    if package is None:
        return None
    return {
        "id": package.id,
        "name": package.name,
        "kind": package.kind,
        "method": package.method,
        "supplier": package.supplier or None,
        "awarded_fen": package.awarded_fen,
        "links": {"page": url_for("packages.public", cycle_id=package.cycle_id)},
    }


def acceptance_json(
    latest: Acceptance | None, paper: tuple[int, int, int] | None, stars: dict[int, int]
) -> dict[str, Any] | None:
    if latest is None and paper is None:
        return None
    satisfied, basically, dissatisfied = paper or (0, 0, 0)
    answers = {
        Answer.SATISFIED: satisfied,
        Answer.BASICALLY: basically,
        Answer.DISSATISFIED: dissatisfied,
    }
    return {
        "latest": None
        if latest is None
        else {
            "round": latest.round,
            "inspected_on": _day(latest.inspected_on),
            "result": latest.result,
            # Who inspected, by role only: the API names no person.
            "inspector_roles": [i.role for i in latest.inspectors],
            "findings": latest.findings,
            "fixes": latest.fixes,
            "fixes_due": _day(latest.fixes_due),
            "redo": latest.redo,
            "documents": [
                {
                    "title": d.title,
                    "mime": d.mime,
                    "size": d.size,
                    "url": url_for("acceptance.document", name=d.filename),
                }
                for d in latest.documents
            ],
        },
        "paper_survey": {a.value: n for a, n in answers.items()},
        "satisfaction_pct": satisfaction(stars, answers).rate,
    }


def offer_json(p: Proposal, offer: ServiceOffer | None) -> dict[str, Any] | None:
    if p.offer_id is None or offer is None:
        return None
    return {
        "id": offer.id,
        "title": offer.title,
        "organization": offer.organization.name,
        "price_fen": p.offer_price_fen,
        "unit": offer.unit,
        "quantity": p.offer_quantity,
        "links": {"page": url_for("offers.detail", offer_id=offer.id)},
    }


def implementation_json(
    record: Implementation, stars: dict[int, int], extras: ProjectExtras | None = None
) -> dict[str, Any]:
    delivery = extras or ProjectExtras()
    money = summary(record)
    return {
        "status": record.status,
        "progress_pct": shown_progress(record),
        "contractor": record.contractor,
        "planned_fen": money.planned,
        "actual_fen": money.actual,
        "left_fen": money.left,
        "over_budget": money.over,
        "used_pct": money.used_pct,
        "completed_on": _day(record.completed_on),
        "accepted_on": _day(record.accepted_on),
        "updated_at": _time(record.updated_at),
        "spending": [
            {"amount_fen": s.amount_fen, "spent_on": _day(s.spent_on), "note": s.note}
            for s in record.spending
        ],
        "milestones": [
            {"title": m.title, "planned_on": _day(m.planned_on), "done_on": _day(m.done_on)}
            for m in record.milestones
        ],
        "updates": [
            {
                "body": u.body,
                "status": u.status,
                "progress_pct": u.progress_pct,
                "created_at": _time(u.created_at),
                "photos": [
                    {
                        "url": _media(ph.filename),
                        "kind": ph.kind,
                        "width": ph.width,
                        "height": ph.height,
                    }
                    for ph in u.photos
                ],
            }
            for u in record.updates
        ],
        "ratings": _ratings(stars),
        "contract": contract_json(delivery.contracts.get(record.id)),
        "package": package_json(delivery.packages.get(record.id)),
        "acceptance": acceptance_json(
            delivery.acceptances.get(record.id), delivery.surveys.get(record.id), stars
        ),
    }


def project_json(p: Proposal, extras: ProjectExtras, at: datetime) -> dict[str, Any]:
    line = extras.lines.get(p.id)
    record = extras.records.get(p.id)
    result = None
    if line is not None:
        number, outcome = line
        result = {
            "count_number": number,
            "status": results_status(p.cycle.phase(at), True).value,
            "rank": outcome.rank,
            "score": outcome.score,
            "cost_fen": outcome.cost_fen,
            "funded": outcome.funded,
            "explanation": outcome.explanation,
        }
    return {
        "id": p.id,
        "cycle_id": p.cycle_id,
        "community": _community(p.community),
        "state": p.state,
        "title": p.display_title,
        "original_title": p.title,
        "ballot_title": p.ballot_title,
        "description": p.description,
        "category": p.category,
        "project_type": p.project_type,
        "location": p.location,
        "latitude": p.latitude,
        "longitude": p.longitude,
        "cost_fen": p.cost_fen,
        "estimated_cost_fen": p.estimated_cost_fen,
        "revised_cost_fen": p.revised_cost_fen,
        "cost_note": p.cost_note,
        "beneficiaries": p.beneficiaries,
        "tags": {"small": p.tag_small, "urgent": p.tag_urgent, "hard": p.tag_hard},
        "entered_at_office": p.entry_channel == "office",
        "entered_at_door": p.entry_channel == "door",
        "rejection_reason": p.rejection_reason,
        "merged_into_id": p.merged_into_id,
        "submitted_at": _time(p.submitted_at),
        "decided_at": _time(p.decided_at),
        "supports": extras.supports.get(p.id, 0),
        "photos": [
            {"url": _media(ph.filename), "width": ph.width, "height": ph.height} for ph in p.photos
        ],
        "result": result,
        "offer": offer_json(p, extras.offers.get(p.offer_id) if p.offer_id else None),
        "implementation": (
            None
            if record is None
            else implementation_json(record, extras.stars.get(p.id, {}), extras)
        ),
        "links": {
            "self": url_for("api.project", proposal_id=p.id),
            "cycle": url_for("api.cycle", cycle_id=p.cycle_id),
            "page": url_for("proposals.detail", proposal_id=p.id),
        },
    }


@bp.get("/projects")
def projects() -> ResponseReturnValue:
    found = _listed_projects()
    extras = opendata.load_project_extras(found)
    at = now()
    return jsonify({"projects": [project_json(p, extras, at) for p in found]})


@bp.get("/projects/<int:proposal_id>")
def project(proposal_id: int) -> ResponseReturnValue:
    found = opendata.find_project(proposal_id)
    if found is None:
        raise not_found("project", proposal_id)
    return jsonify(project_json(found, opendata.load_project_extras([found]), now()))


# --- CSV --------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def yuan_cell(fen: int) -> str:
    """An amount of fen as yuan with two decimals, as a spreadsheet reads a number."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d}"


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese intact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return Response(
        buffer.getvalue().encode("utf-8-sig"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


CYCLE_COLUMNS = (
    "id", "title", "scope", "district", "street", "community", "community_slug", "phase",
    "results_status", "budget_fen", "currency", *(f"{p}_at" for p in PHASES), "ballot_kind",
    "tally_rule", "tie_break",
)  # fmt: skip


@bp.get("/cycles.csv")
def cycles_csv() -> ResponseReturnValue:
    found = _filtered_cycles()
    counted = opendata.find_counted([c.id for c in found])
    at = now()
    rows = []
    for c in found:
        data = cycle_json(c, c.id in counted, at)
        community = data["community"] or {}
        rows.append(
            [
                c.id, c.title, data["scope"], data["district"]["name"], data["street"]["name"],
                community.get("name"), community.get("slug"), data["phase"],
                data["results_status"], c.budget_fen, c.currency,
                *(data["schedule"][f"{p}_at"] for p in PHASES),
                c.ballot_kind, c.tally_rule, c.tie_break,
            ]
        )  # fmt: skip
    return csv_response("cycles.csv", CYCLE_COLUMNS, rows)


RESULT_COLUMNS = (
    "count_number", "status", "rank", "proposal_id", "title", "category", "cost_fen", "score",
    "funded", "explanation",
)  # fmt: skip


@bp.get("/cycles/<int:cycle_id>/results.csv")
def cycle_results_csv(cycle_id: int) -> ResponseReturnValue:
    """The latest count's lines by rank; only the header before the count."""
    found = _cycle_or_404(cycle_id)
    latest = counting.latest_count(found)
    rows = []
    if latest is not None:
        status = publication.status_of(found, now(), latest).value
        for o in opendata.list_outcomes(latest):
            rows.append(
                [
                    latest.number, status, o.rank, o.proposal_id, o.proposal.display_title,
                    o.proposal.category, o.cost_fen, o.score, o.funded, o.explanation.get("code"),
                ]
            )  # fmt: skip
    return csv_response(f"cycle-{found.id}-results.csv", RESULT_COLUMNS, rows)


PROJECT_COLUMNS = (
    "id", "cycle_id", "community_slug", "community", "state", "title", "category",
    "project_type", "cost_fen", "location", "latitude", "longitude", "supports", "submitted_at",
    "results_status", "rank", "score", "funded", "implementation_status", "progress_pct",
    "planned_fen", "actual_fen", "ratings", "rating_mean",
)  # fmt: skip


@bp.get("/projects.csv")
def projects_csv() -> ResponseReturnValue:
    found = _listed_projects()
    extras = opendata.load_project_extras(found)
    at = now()
    rows = []
    for p in found:
        data = project_json(p, extras, at)
        result = data["result"] or {}
        record = data["implementation"] or {}
        ratings = record.get("ratings") or {}
        rows.append(
            [
                p.id, p.cycle_id, p.community.slug, p.community.name, p.state, data["title"],
                p.category, p.project_type, p.cost_fen, p.location, p.latitude, p.longitude,
                data["supports"], data["submitted_at"], result.get("status"),
                result.get("rank"), result.get("score"), result.get("funded"),
                record.get("status"), record.get("progress_pct"), record.get("planned_fen"),
                record.get("actual_fen"), ratings.get("number"), ratings.get("mean"),
            ]
        )  # fmt: skip
    cycle_id = request.args.get("cycle")
    name = f"cycle-{int(cycle_id)}-projects.csv" if cycle_id else "projects.csv"
    return csv_response(name, PROJECT_COLUMNS, rows)


# --- the index and the description -----------------------------------------------------------

LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}

# Every endpoint, as the index lists it and the open-data page shows it: (endpoint, the address
# with its parameters as {name}, what it gives). The page words the descriptions for people.
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("api.cycles", "/api/v1/cycles", "Cycles, filtered by district, street, community, year."),
    ("api.cycles_csv", "/api/v1/cycles.csv", "The same cycles as CSV."),
    ("api.cycle", "/api/v1/cycles/{cycle_id}", "One cycle."),
    (
        "api.cycle_results",
        "/api/v1/cycles/{cycle_id}/results",
        "A cycle's stored count with every project's explanation, earlier counts, objections "
        "and turnout.",
    ),
    (
        "api.cycle_results_csv",
        "/api/v1/cycles/{cycle_id}/results.csv",
        "The latest count's lines as CSV (amounts in fen, reasons as codes).",
    ),
    (
        "api.projects",
        "/api/v1/projects",
        "Projects (of one cycle with ?cycle=), with their count line and implementation.",
    ),
    ("api.projects_csv", "/api/v1/projects.csv", "The same projects as CSV."),
    ("api.project", "/api/v1/projects/{proposal_id}", "One project."),
    ("api.openapi", "/api/v1/openapi.json", "The OpenAPI 3.1 description of this API."),
)


@bp.get("/", strict_slashes=False)
def index() -> ResponseReturnValue:
    """A small index for programs that start at the API's root."""
    return jsonify(
        {
            "name": "微实事 open data",
            "description": (
                "Read-only public data: cycles, projects, stored counts, objections, turnout "
                "aggregates, implementation and spending. Nothing about a person. Money in fen "
                "(1/100 yuan), times in UTC."
            ),
            "licence": LICENCE,
            "documentation": url_for("overview.open_data"),
            "openapi": url_for("api.openapi"),
            "endpoints": [
                {"path": path, "description": text} for _endpoint, path, text in ENDPOINTS
            ],
        }
    )


@functools.cache
def _openapi() -> bytes:
    return OPENAPI.read_bytes()


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return Response(_openapi(), mimetype="application/json")
