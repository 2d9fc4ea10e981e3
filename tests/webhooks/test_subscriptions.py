"""Subscriptions as the service functions keep them: checked URLs and types, secrets that
rotate with an overlap, pause and resume."""

import json

import httpx
import pytest
from standardwebhooks import Webhook

from sofifi_api.db import Database
from sofifi_api.webhooks import service
from sofifi_api.webhooks.destinations import UnsafeDestination
from sofifi_api.webhooks.models import SubscriptionStatus
from tests.factories import create_program
from tests.webhooks.conftest import make_engine, new_client, subscribe, writing
from tests.webhooks.receivers import receiving

pytestmark = pytest.mark.usefixtures("fresh_subscriptions")


async def test_a_loopback_url_is_refused_unless_private_destinations_are_allowed(
    hooks_database: Database,
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    async with writing(hooks_database) as session:
        with pytest.raises(UnsafeDestination):
            await service.create_subscription(
                session,
                client_id,
                "https://127.0.0.1/hooks",
                ["program"],
                None,
                allow_private=False,
            )


async def test_an_unknown_type_is_refused(hooks_database: Database) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    async with writing(hooks_database) as session:
        with pytest.raises(service.UnknownEventType):
            await service.create_subscription(
                session,
                client_id,
                "http://127.0.0.1:9/hooks",
                ["programme"],
                None,
                allow_private=True,
            )


async def test_during_a_rotations_overlap_both_secrets_sign(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    with receiving() as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        old_secret = subscription.secret
        async with writing(hooks_database) as session:
            row = await session.get(type(subscription), subscription.id)
            assert row is not None
            rotated = await service.rotate_secret(session, row, grace_seconds=3600)
            await session.commit()
        await create_program(admin)
        await make_engine(hooks_database).run_once()

    (received,) = receiver.received
    assert rotated.secret != old_secret
    for secret in (old_secret, rotated.secret):
        Webhook(secret).verify(received.body, received.headers)


async def test_a_paused_subscription_receives_what_changed_meanwhile_once_resumed(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    engine = make_engine(hooks_database)
    with receiving() as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        async with writing(hooks_database) as session:
            row = await session.get(type(subscription), subscription.id)
            assert row is not None
            await service.set_status(session, row, SubscriptionStatus.paused)
            await session.commit()
        program = await create_program(admin)
        await engine.run_once()
        held = list(receiver.received)
        async with writing(hooks_database) as session:
            row = await session.get(type(subscription), subscription.id)
            assert row is not None
            await service.set_status(session, row, SubscriptionStatus.active)
            await session.commit()
        await engine.run_once()

    assert held == []
    assert [json.loads(r.body)["data"]["id"] for r in receiver.received] == [program["id"]]
