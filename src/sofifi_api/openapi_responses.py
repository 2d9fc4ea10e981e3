"""What each response of the OpenAPI document says: a description for every success, and for
every error an example of each problem type it declares, fitting its status.

An error response declares its problem types by naming them in its description
(`/problems/not-found`); one that names none declares the generic type of its status, which is
then named in its description too.
"""

import re
from typing import Any

from sofifi_api.errors import (
    HTTP_TITLES,
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_BASE,
    ApiError,
    Problem,
)

METHODS = ("get", "put", "post", "patch", "delete")
_DEFAULT_SUCCESS = "Successful Response"
_NAMED_TYPE = re.compile(re.escape(PROBLEM_TYPE_BASE) + r"([a-z0-9-]+)")
PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
EXAMPLE_ID = "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"
EXAMPLE_REQUEST_ID = "4f6c0f3e9b7a4c52a1d2e3f4a5b6c7d8"
_EXAMPLE_PATH_VALUES = {"code": "82.72.02.2001", "version": "2"}

# Problems the error handlers emit themselves, beside those raised as an `ApiError`.
_HANDLER_PROBLEMS = {
    "malformed-json": (400, "Malformed JSON"),
    "internal-error": (500, "Internal server error"),
    **{slug: (status, title) for status, (title, slug) in HTTP_TITLES.items()},
}

# The type an error response declares when its description names none.
GENERIC_TYPES = {
    400: "malformed-json",
    401: "unauthorized",
    403: "missing-scope",
    404: "not-found",
    406: "not-acceptable",
    408: "request-timeout",
    409: "conflict",
    412: "precondition-failed",
    413: "content-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "too-many-requests",
    500: "internal-error",
    503: "service-unavailable",
}

_DETAILS = {
    "malformed-json": "The request body is not valid JSON.",
    "invalid-cursor": "The cursor is not one this service issued; start again without a cursor.",
    "invalid-if-match": 'If-Match must be "*" or a comma-separated list of entity tags in double '
    "quotes, exactly as the ETag header gave them.",
    "invalid-idempotency-key": "Send one Idempotency-Key header of 1 to 255 printable ASCII "
    "characters (a UUID is a good choice).",
    "invalid-request": "grant_type is required.",
    "unsupported-grant-type": "The only grant type is client_credentials.",
    "invalid-scope": "This client was not granted the scope feedback:review.",
    "unauthorized": "No credential: send Authorization: Bearer <API key or access token>.",
    "invalid-client": "The client id and key do not name an active client.",
    "missing-scope": "This operation needs the scope programs:write, which this client was not "
    "granted.",
    "forbidden": "This client may not do this.",
    "area-out-of-scope": "The program targets areas outside this client's areas.",
    "grant-exceeds-own": "A client may grant only scopes it holds, within its areas (82.72.02): "
    "scopes.",
    "not-found": "There is no resource at this path.",
    "not-acceptable": "This export is available as text/csv, application/x-ndjson; send one of "
    "them in Accept, or choose with the format parameter (csv, ndjson).",
    "request-timeout": "The request was not received in time.",
    "conflict": "The request conflicts with data stored meanwhile; fetch it and try again.",
    "status-transition": "Feedback that is resolved cannot become new; status moves only from "
    "new to acknowledged to resolved.",
    "submission-out-of-sight": "This client already submitted feedback with this client_ref, "
    "and that feedback is no longer within the client's areas; nothing was stored.",
    "idempotency-key-in-flight": "A request with this Idempotency-Key is still being processed; "
    "retry shortly to receive its answer.",
    "idempotency-answer-withheld": "The request with this Idempotency-Key already succeeded "
    "(201); its answer carried a secret shown only once and was not kept.",
    "precondition-failed": "The resource changed since this client read it: no tag in If-Match "
    "is its current ETag. Nothing was changed; GET it again and reapply the change.",
    "content-too-large": "The request body is larger than 1048576 bytes.",
    "unsupported-media-type": "The request body must be application/json.",
    "validation-error": "The request has invalid fields: partners.0.role.",
    "idempotency-key-reused": "This Idempotency-Key was already used for a different request "
    "(another method, path or body); use a new key for a new request.",
    "too-many-requests": "This client made more requests this minute than its quota allows; "
    "retry after Retry-After seconds.",
    "too-many-exports": "This client already has 2 exports under way; retry after Retry-After "
    "seconds.",
    "internal-error": "The service failed to answer; the request id identifies it in our logs.",
    "service-unavailable": "The database is busy or unreachable; retry shortly.",
    "exports-busy": "Too many exports are under way; retry after Retry-After seconds.",
    "not-ready": "The database has no schema yet: run `sofifi-api migrate`.",
}

# The one the `Problem` schema shows for its `errors` member.
_VALIDATION_ERRORS = (Problem.model_fields["errors"].examples or [[]])[0]


def _subclasses(cls: type[ApiError]) -> list[type[ApiError]]:
    return [cls, *(sub for direct in cls.__subclasses__() for sub in _subclasses(direct))]


def problem_types() -> dict[str, tuple[int, str]]:
    """Every problem type the service answers with: its slug, and its status and title."""
    known = dict(_HANDLER_PROBLEMS)
    for cls in _subclasses(ApiError):
        known.setdefault(cls.slug, (cls.status, cls.title))
    return known


def declared_types(status: int, response: dict[str, Any]) -> list[str]:
    """The problem types an error response declares: those of its status its description
    names, in the order named."""
    known = problem_types()
    named = _NAMED_TYPE.findall(response.get("description", ""))
    return list(dict.fromkeys(slug for slug in named if known.get(slug, (0,))[0] == status))


def _not_found_detail(path: str) -> str:
    parameters = PATH_PARAMETER.findall(path)
    if not parameters:
        return _DETAILS["not-found"]
    name = parameters[-1]
    if name == "code":
        return f"No area with code {_EXAMPLE_PATH_VALUES['code']}."
    if name == "version":
        return f"Survey {EXAMPLE_ID} has no version {_EXAMPLE_PATH_VALUES['version']}."
    thing = name.removesuffix("_id").replace("_", " ").replace("project", "infrastructure project")
    return f"No {thing} with id {EXAMPLE_ID}."


def problem_example(path: str, status: int, slug: str) -> dict[str, Any]:
    """An example of the problem `slug` as `path` answers it."""
    _, title = problem_types()[slug]
    detail = _not_found_detail(path) if slug == "not-found" else _DETAILS[slug]
    value: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": PATH_PARAMETER.sub(
            lambda match: _EXAMPLE_PATH_VALUES.get(match[1], EXAMPLE_ID), path
        ),
        "request_id": EXAMPLE_REQUEST_ID,
    }
    if slug == "validation-error":
        value["errors"] = _VALIDATION_ERRORS
    return {"summary": title, "value": value}


def _document_problems(path: str, responses: dict[str, Any]) -> None:
    for code, response in responses.items():
        content = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
        if content is None or not code.isdigit():
            continue
        status = int(code)
        slugs = declared_types(status, response)
        if not slugs:
            slugs = [GENERIC_TYPES[status]]
            response["description"] = (
                f"{response.get('description', '').rstrip('.')} (`{PROBLEM_TYPE_BASE}{slugs[0]}`)."
            ).lstrip()
        # Every error is problem+json: the framework's `application/json` twin is never sent.
        response["content"] = {PROBLEM_MEDIA_TYPE: content}
        content.pop("example", None)
        content["examples"] = {slug: problem_example(path, status, slug) for slug in slugs}


def _item_noun(document: dict[str, Any], path: str) -> str | None:
    """`the program` for a path whose GET is summarised `Get a program`."""
    summary = str(document["paths"].get(path, {}).get("get", {}).get("summary", ""))
    if not summary.startswith("Get "):
        return None
    return "the " + re.sub(r"^an? ", "", summary.removeprefix("Get "))


def _collection_noun(operation: dict[str, Any]) -> str | None:
    """`the program's enrollments` for a list summarised `List a program's enrollments`."""
    summary = str(operation.get("summary", ""))
    if not summary.startswith("List "):
        return None
    noun = summary.removeprefix("List ")
    return re.sub(r"^an? ", "the ", noun)


def success_description(
    document: dict[str, Any], path: str, method: str, status: str
) -> str | None:
    """What a create, read, list, update or delete answers, said from the operation's place."""
    item = _item_noun(document, path)
    if method == "get" and status == "200" and item:
        return f"T{item[1:]}."
    if method == "patch" and status == "200" and item:
        return f"T{item[1:]}, as updated."
    if method == "delete" and status == "204" and item:
        return (
            f"Deleted: {item} now answers 404, and its tombstone shows in the change feed and "
            "in lists with `include_deleted=true`."
        )
    if method == "get" and status == "200":
        collection = _collection_noun(document["paths"][path]["get"])
        if collection:
            return (
                f"One page of {collection}; `next_cursor` (and the `Link` header) lead to the "
                "next page."
            )
    items = item_path(document, path)
    created = _item_noun(document, items) if items else None
    if method == "post" and status == "201" and created:
        noun = created.removeprefix("the ")
        return f"The {noun}, created; `Location` is its URL."
    return None


def item_path(document: dict[str, Any], collection: str) -> str | None:
    """`/v1/programs/{program_id}` for `/v1/programs`: the one path of an item under it."""
    prefix = collection + "/"
    items = [
        path
        for path in document["paths"]
        if path.startswith(prefix) and PATH_PARAMETER.fullmatch(path.removeprefix(prefix))
    ]
    return items[0] if len(items) == 1 else None


def document_responses(document: dict[str, Any]) -> None:
    """Describes the successes the framework left as "Successful Response" and gives each
    error response an example of every problem type it declares."""
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.get("responses", {})
            for status, response in responses.items():
                if response.get("description") == _DEFAULT_SUCCESS:
                    described = success_description(document, path, method, status)
                    if described:
                        response["description"] = described
            _document_problems(path, responses)
