import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.auth.principal import Principal
from sofifi_api.auth.scopes import WEBHOOKS_READ, WEBHOOKS_WRITE
from sofifi_api.conditional import IfMatchDep
from sofifi_api.config import get_settings
from sofifi_api.db import SessionDep, session_opener
from sofifi_api.errors import FieldError, ValidationFailed, problem_responses
from sofifi_api.pagination import Page, PageDep, page_body
from sofifi_api.schemas import parse_id
from sofifi_api.webhooks import on_demand, service
from sofifi_api.webhooks.destinations import UnresolvableDestination, UnsafeDestination
from sofifi_api.webhooks.dispatcher import DispatchSettings
from sofifi_api.webhooks.models import (
    DeliveryPublic,
    DeliveryStatus,
    SecretRotation,
    SubscriptionStatus,
    WebhookCreate,
    WebhookPublic,
    WebhookSubscription,
    WebhookUpdate,
    WebhookWithSecret,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@contextmanager
def _refused_as_invalid() -> Iterator[None]:
    """A URL that may not receive webhooks, or a type the feed does not carry: 422 naming the
    field."""
    try:
        yield
    except UnsafeDestination as error:
        raise ValidationFailed.for_field("url", str(error), "unsafe_url") from None
    except UnresolvableDestination as error:
        raise ValidationFailed.for_field("url", str(error), "unresolvable_host") from None
    except service.UnknownEventType as error:
        raise ValidationFailed.for_field("types", str(error), "unknown_type") from None


def _refuse_unreadable(principal: Principal, types: list[str]) -> None:
    """422 for each type whose scope the client lacks: it would never be sent one."""
    missing = service.scopes_missing(types, principal.allows)
    if missing:
        raise ValidationFailed(
            "The client may not read every type it subscribes to.",
            errors=[
                FieldError(
                    location="body",
                    field="types",
                    message=f"`{name}` needs the scope `{scope}`.",
                    code="scope_missing",
                )
                for name, scope in missing.items()
            ],
        )


async def subscription_from_path(
    session: SessionDep,
    principal: PrincipalDep,
    webhook_id: Annotated[str, Path(max_length=64, description="The subscription's id.")],
) -> WebhookSubscription:
    """The client's own subscription; any other is 404, as one that never existed."""
    return await service.get_subscription(
        session, principal.client_id, _subscription_id(webhook_id)
    )


SubscriptionDep = Annotated[WebhookSubscription, Depends(subscription_from_path)]
WebhookIdPath = Annotated[str, Path(max_length=64, description="The subscription's id.")]
DeliveryIdPath = Annotated[
    str, Path(max_length=64, description="The delivery's id, its `webhook-id`.")
]


def _subscription_id(webhook_id: str) -> uuid.UUID:
    parsed = parse_id(webhook_id)
    if parsed is None:
        raise service.WebhookNotFound(webhook_id)
    return parsed


def _delivery_id(delivery_id: str) -> uuid.UUID:
    parsed = parse_id(delivery_id)
    if parsed is None:
        raise service.DeliveryNotFound(delivery_id)
    return parsed


def _current(subscription: WebhookSubscription) -> Callable[[], Awaitable[WebhookPublic]]:
    """What a GET of the subscription answers now, for `If-Match`."""

    async def current() -> WebhookPublic:
        return WebhookPublic.of(subscription)

    return current


def _with_secret(response: Response, subscription: WebhookSubscription) -> WebhookWithSecret:
    response.headers["Cache-Control"] = "no-store"
    return WebhookWithSecret.issued(subscription)


@router.post(
    "",
    dependencies=[requires(WEBHOOKS_WRITE)],
    response_model=WebhookWithSecret,
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe to changes",
    response_description="The subscription, with its signing secret shown only in this answer; "
    "`Location` is its URL.",
    responses=problem_responses(400, 409, 413, 415, 422),
)
async def create_webhook(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    body: WebhookCreate,
) -> WebhookWithSecret:
    """Starts sending the client's endpoint one signed event per change-feed entry made from
    now on, among `types`, as the client may read them when each event is made (its scopes and
    areas; never personal data). The secret that signs them is in this answer only; keep it
    with the endpoint. The URL must be https and resolve to public addresses (422 otherwise);
    a client holds at most 25 subscriptions (409)."""
    _refuse_unreadable(principal, body.types)
    with _refused_as_invalid():
        subscription = await service.create_subscription(
            session,
            principal.client_id,
            body.url,
            body.types,
            body.description,
            allow_private=get_settings().webhook_allow_private,
        )
    response.headers["Location"] = str(request.url_for("get_webhook", webhook_id=subscription.id))
    return _with_secret(response, subscription)


@router.get(
    "",
    dependencies=[requires(WEBHOOKS_READ)],
    response_model=Page[WebhookPublic],
    summary="List webhook subscriptions",
    responses=problem_responses(400, 422),
)
async def list_webhooks(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    status: Annotated[
        SubscriptionStatus | None, Query(description="Only subscriptions in this state.")
    ] = None,
) -> dict[str, Any]:
    """The client's own subscriptions, in creation order; never their secrets."""
    rows, next_key = await service.list_subscriptions_page(
        session, principal.client_id, page, status=status
    )
    return page_body(request, response, [WebhookPublic.of(row) for row in rows], next_key)


@router.get(
    "/{webhook_id}",
    dependencies=[requires(WEBHOOKS_READ)],
    response_model=WebhookPublic,
    summary="Get a webhook subscription",
    responses=problem_responses(404, 422),
)
async def get_webhook(subscription: SubscriptionDep) -> WebhookPublic:
    """One of the client's subscriptions. Another client's is 404."""
    return WebhookPublic.of(subscription)


@router.patch(
    "/{webhook_id}",
    dependencies=[requires(WEBHOOKS_WRITE)],
    response_model=WebhookPublic,
    summary="Update, pause or resume a webhook subscription",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def update_webhook(
    session: SessionDep,
    principal: PrincipalDep,
    subscription: SubscriptionDep,
    body: WebhookUpdate,
    if_match: IfMatchDep,
) -> WebhookPublic:
    """Changes only the fields sent. `status` `paused` holds events back without losing one;
    `active` resumes a paused or disabled subscription, and what changed meanwhile is sent in
    order. A new URL is checked as when subscribing; events not yet sent go there."""
    await if_match.require_current(session, subscription, _current(subscription))
    changes = body.model_dump(exclude_unset=True)
    if "types" in changes:
        _refuse_unreadable(principal, changes["types"])
    with _refused_as_invalid():
        updated = await service.update_subscription(
            session, subscription, changes, allow_private=get_settings().webhook_allow_private
        )
    return WebhookPublic.of(updated)


@router.delete(
    "/{webhook_id}",
    dependencies=[requires(WEBHOOKS_WRITE)],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a webhook subscription",
    responses=problem_responses(404, 422),
)
async def delete_webhook(
    session: SessionDep, subscription: SubscriptionDep, if_match: IfMatchDep
) -> None:
    """Stops the subscription for good: nothing more is sent to it, its pending deliveries
    included."""
    await if_match.require_current(session, subscription, _current(subscription))
    await service.delete_subscription(session, subscription)


@router.post(
    "/{webhook_id}/secret",
    dependencies=[requires(WEBHOOKS_WRITE)],
    response_model=WebhookWithSecret,
    summary="Rotate a webhook subscription's signing secret",
    response_description="The subscription with its new secret, shown only in this answer.",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def rotate_webhook_secret(
    response: Response,
    session: SessionDep,
    subscription: SubscriptionDep,
    body: SecretRotation | None = None,
) -> WebhookWithSecret:
    """A new signing secret, shown once in this answer. For `grace_seconds` every delivery
    carries two signatures, by the old and by the new secret, so the receiver can switch to the
    new one without refusing a delivery; then only the new one signs."""
    grace = body.grace_seconds if body is not None else 0
    rotated = await service.rotate_secret(session, subscription, grace_seconds=grace)
    return _with_secret(response, rotated)


@router.post(
    "/{webhook_id}/ping",
    dependencies=[requires(WEBHOOKS_WRITE)],
    response_model=DeliveryPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Send a test event now",
    response_description="The test event's delivery after its one attempt: `succeeded`, or "
    "`failed` with the receiver's status or failure and the first bytes of its answer. "
    "`Location` is the delivery's URL.",
    responses=problem_responses(404, 422),
)
async def ping_webhook(
    request: Request, response: Response, principal: PrincipalDep, webhook_id: WebhookIdPath
) -> DeliveryPublic:
    """Sends a signed `webhook.ping` event (`data`: `{"webhook_id"}`) to the subscription's URL
    while the request waits (at most the delivery timeout), whatever the subscription's status,
    and answers with the attempt. A failed ping is not retried and never disables the
    subscription: use it to check an endpoint and its signature verification."""
    delivery = await on_demand.ping(
        session_opener(request.app),
        principal.client_id,
        _subscription_id(webhook_id),
        DispatchSettings.of(get_settings()),
    )
    response.headers["Location"] = str(
        request.url_for("get_webhook_delivery", webhook_id=webhook_id, delivery_id=delivery.id)
    )
    return DeliveryPublic.of(delivery)


@router.get(
    "/{webhook_id}/deliveries",
    dependencies=[requires(WEBHOOKS_READ)],
    response_model=Page[DeliveryPublic],
    summary="List a webhook subscription's deliveries",
    responses=problem_responses(400, 404, 422),
)
async def list_webhook_deliveries(
    request: Request,
    response: Response,
    session: SessionDep,
    subscription: SubscriptionDep,
    page: PageDep,
    status: Annotated[
        DeliveryStatus | None, Query(description="Only deliveries in this state.")
    ] = None,
    event_type: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Only events of this type, e.g. `program.upsert` or `webhook.ping`.",
        ),
    ] = None,
) -> dict[str, Any]:
    """The delivery log, newest first: each event with its attempts, status, the last
    attempt's HTTP status or failure, latency and first KiB of answer, and the next retry."""
    rows, next_key = await service.list_deliveries_page(
        session, subscription.id, page, status=status, event_type=event_type
    )
    return page_body(request, response, [DeliveryPublic.of(row) for row in rows], next_key)


@router.get(
    "/{webhook_id}/deliveries/{delivery_id}",
    dependencies=[requires(WEBHOOKS_READ)],
    response_model=DeliveryPublic,
    summary="Get one delivery",
    responses=problem_responses(404, 422),
)
async def get_webhook_delivery(
    session: SessionDep, subscription: SubscriptionDep, delivery_id: DeliveryIdPath
) -> DeliveryPublic:
    """One event sent, or to be sent, to the subscription, with its last attempt."""
    delivery = await service.get_delivery(session, subscription.id, _delivery_id(delivery_id))
    return DeliveryPublic.of(delivery)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry",
    dependencies=[requires(WEBHOOKS_WRITE)],
    response_model=DeliveryPublic,
    summary="Redeliver one event now",
    response_description="The delivery after the attempt.",
    responses=problem_responses(404, 409, 422),
)
async def retry_webhook_delivery(
    request: Request,
    principal: PrincipalDep,
    webhook_id: WebhookIdPath,
    delivery_id: DeliveryIdPath,
) -> DeliveryPublic:
    """Sends the event again while the request waits, with its own id (`webhook-id`) and body
    and a fresh signature, whatever its status: a receiver that lost or mishandled it gets it
    once more. A success marks the delivery `succeeded`; a failure changes neither its status
    nor its scheduled retries. 409 while a worker is sending it."""
    delivery = await on_demand.redeliver(
        session_opener(request.app),
        principal.client_id,
        _subscription_id(webhook_id),
        _delivery_id(delivery_id),
        DispatchSettings.of(get_settings()),
    )
    return DeliveryPublic.of(delivery)
