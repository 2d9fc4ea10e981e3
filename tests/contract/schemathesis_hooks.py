"""Schemathesis hooks for the contract run (loaded through SCHEMATHESIS_HOOKS).

`before_call` does what every real client does and a fuzzer cannot know to do. `filter_failure`
names each kind of failure the run lets pass, and why: answers that are right although the
schema cannot say so.
"""

import json
import os
import re
import uuid
from collections.abc import Mapping
from typing import Any

import schemathesis
from schemathesis.core.failures import AcceptedNegativeData, Failure
from schemathesis.openapi.checks import RejectedPositiveData

from sofifi_api.conditional import ENTITY_TAGS_PATTERN

OWN_CLIENT_ID = os.environ["SOFIFI_CONTRACT_OWN_CLIENT_ID"]
STAND_IN_CLIENT_ID = os.environ["SOFIFI_CONTRACT_STAND_IN_CLIENT_ID"]
IDEMPOTENCY_KEY = "Idempotency-Key"
Case = schemathesis.Case[Any]
_sent_idempotency_keys: set[str] = set()

# Field errors (422) for rules a JSON Schema of the request cannot state: they depend on stored
# data (a referenced organization, area or person must exist; a participant's kind; an area's
# parent) or tie values together (latitude with longitude, a survey question's type with its
# choices and bounds, consent_at with consent_given, an end with its start). Schema-valid bodies
# break them all the time. Code, and the fields it is let pass for (None: any field). Errors a
# schema could have prevented (types, lengths, formats, null, enums) still fail the run.
RULES_BEYOND_THE_SCHEMA: dict[str, re.Pattern[str] | None] = {
    "unknown_reference": None,
    "one_subject": None,
    "coordinates": None,
    "choices_not_allowed": None,
    "choices_required": None,
    "immutable": None,
    "bound_not_allowed": None,
    "bound_order": None,
    "required_with": None,
    "rating_or_comment": None,
    "required_for_kind": None,
    "not_allowed_for_kind": None,
    "not_for_format": None,
    "consent_not_given": None,
    "code_prefix": None,
    "parent_level": None,
    # A code that is not official is its parent's code, a hyphen and a slug.
    "code_format": re.compile(r"code"),
    "date_order": None,
    "date_in_future": None,
    # A birth date between 1900 and today: a bound that moves with the clock.
    "date_range": re.compile(r"birth_date"),
    # A village needs its district as parent_code, and so on up: the parent's level. A client's
    # expires_at must lie in the future: a bound that moves with the clock.
    "invalid": re.compile(r"parent_code|expires_at"),
    "in_future": None,
    "birth_year_in_future": None,
    "range_too_long": None,
    "exceeds_participants": None,
    "completed_on_without_completion": None,
    "birth_year_mismatch": None,
    "duplicate_key": None,
    # Rating bounds (whole numbers 0..100 for a rating question only), answers within their
    # question's bounds, and statistics' dates within 1900..2999 (no JSON Schema bound on a date).
    "out_of_range": re.compile(r"questions\.\d+\.(min|max)|answers\..+|from|to"),
    # A bbox's south <= north, a polygon's ring that ends where it starts: relations between
    # coordinates that no JSON Schema states (their types and nesting are in the schema).
    "invalid_geojson": re.compile(r"location"),
    # A webhook URL must resolve, now, to public addresses only: a fact of the network, and
    # this machine resolves no name at all.
    "unsafe_url": re.compile(r"url"),
    "unresolvable_host": re.compile(r"url"),
}


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: Case, **kwargs: Any) -> None:
    _spare_own_client(case)
    _fresh_idempotency_key(case)


def _spare_own_client(case: Case) -> None:
    """The run acts as an admin and may rotate, change or revoke API clients: done to its own
    client, that would lock it out for the rest of the run. Calls aimed at that client go to
    another one, which exists, so they are still made and still answer 2xx."""
    if case.path_parameters and str(case.path_parameters.get("client_id")) == OWN_CLIENT_ID:
        case.path_parameters["client_id"] = STAND_IN_CLIENT_ID


def _fresh_idempotency_key(case: Case) -> None:
    """A client makes a new Idempotency-Key for each new request; the generator repeats values
    ("0", the documented example) across different bodies, which the service rightly refuses
    (422: key reused). A repeated key is replaced with a new one. Replays and reuse are
    specified in tests/idempotency."""
    headers: Mapping[str, Any] = case.headers or {}
    key = headers.get(IDEMPOTENCY_KEY)
    if not isinstance(key, str):
        return
    if key in _sent_idempotency_keys and 1 <= len(key) <= 255:
        key = str(uuid.uuid4())
        assert case.headers is not None
        case.headers[IDEMPOTENCY_KEY] = key
    _sent_idempotency_keys.add(key)


@schemathesis.hook
def filter_failure(
    context: schemathesis.HookContext,
    failure: Failure,
    case: Case,
    response: schemathesis.Response,
) -> bool:
    """False lets the failure pass (see the module's docstring)."""
    problem = _problem(response)
    if isinstance(failure, RejectedPositiveData):
        return not (
            _forged_cursor(case, problem)
            or _rule_beyond_the_schema(problem)
            or _if_match_outside_its_pattern(case, problem)
            or _integer_written_as_a_float(case, problem)
        )
    if isinstance(failure, AcceptedNegativeData):
        return not _batch_reports_each_item(case, response)
    return True


def _problem(response: schemathesis.Response) -> dict[str, Any]:
    if not response.headers.get("content-type", [""])[0].startswith("application/problem+json"):
        return {}
    try:
        body = json.loads(response.content or b"")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _forged_cursor(case: Case, problem: dict[str, Any]) -> bool:
    """A cursor is an opaque token the service signs (400 `invalid-cursor` otherwise): any string
    fits its schema, only one the service handed out is valid."""
    return problem.get("type") == "/problems/invalid-cursor" and "cursor" in (case.query or {})


def _if_match_outside_its_pattern(case: Case, problem: dict[str, Any]) -> bool:
    """The generator sends some header values (`If-Match: 0`) without regard to the header's
    documented pattern; a 400 for a value that breaks the pattern is what the document says."""
    headers: Mapping[str, Any] = case.headers or {}
    value = headers.get("If-Match")
    return (
        problem.get("type") == "/problems/invalid-if-match"
        and isinstance(value, str)
        and re.fullmatch(ENTITY_TAGS_PATTERN, value) is None
    )


def _integer_written_as_a_float(case: Case, problem: dict[str, Any]) -> bool:
    """JSON Schema counts 5.0 an integer; the service takes integers written as integers only
    (docs/DECISIONS.md, "Fields take JSON's own types"). A 422 `int_type` for a field the body
    holds as a float without a fraction part is that rule."""
    errors = [error for error in problem.get("errors") or [] if isinstance(error, dict)]
    body = case.body if isinstance(case.body, dict) else {}
    return bool(errors) and all(
        error.get("code") == "int_type"
        and isinstance(value := _at(body, str(error.get("field"))), float)
        and value.is_integer()
        for error in errors
    )


def _at(body: Any, field: str) -> Any:
    for part in field.split("."):
        if isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        elif isinstance(body, dict):
            body = body.get(part)
        else:
            return None
    return body


def _rule_beyond_the_schema(problem: dict[str, Any]) -> bool:
    errors = [error for error in problem.get("errors") or [] if isinstance(error, dict)]
    return problem.get("status") == 422 and bool(errors) and all(map(_beyond_the_schema, errors))


def _beyond_the_schema(error: dict[str, Any]) -> bool:
    code = error.get("code")
    if code not in RULES_BEYOND_THE_SCHEMA:
        return False
    fields = RULES_BEYOND_THE_SCHEMA[code]
    return fields is None or fields.fullmatch(str(error.get("field"))) is not None


def _batch_reports_each_item(case: Case, response: schemathesis.Response) -> bool:
    """A feedback batch answers 200 with a result per item, and an invalid item is reported as
    `invalid` there instead of failing the whole batch (DESIGN: batch ingest with a per-item
    result); the schema of an item is what a valid item is."""
    if case.operation.label != "POST /v1/feedback/batch" or response.status_code != 200:
        return False
    results = json.loads(response.content or b"{}").get("results", [])
    return any(result.get("status") == "invalid" for result in results)
