"""Webhook delivery: events delivered per second and the delay from a change's commit to its
arrival, at 1 and at 50 subscriptions, against a plain httpx loop posting the same signed
bodies to the same receiver.

Usage (SQLite in a temporary file; or, with SOFIFI_BENCH_DATABASE_URL or DATABASE_URL naming a
PostgreSQL server, a database of its own there, created and dropped; `taskset` is the
Debian/Ubuntu package `util-linux`; two cores at least):

    .venv/bin/python benchmarks/webhooks.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/webhooks.py

Three processes take part. The engine runs as in production, in one `sofifi-api worker` process
pinned to `--worker-cpu` (default 0), polling every `--poll-seconds` (default 0.1; the
service's default is 1, which adds up to a second to each delay at a steady pace). The receiver
(benchmarks/webhook_receiver.py, one Uvicorn process pinned to `--receiver-cpu`, default 1)
answers 204 at once and records each arrival's wall-clock time, webhook-id and data id. This
process, pinned to the receiver's CPU, writes the changes: programs, each created by the
programs service in a transaction of its own, its wall-clock time taken right after the commit.

For each count of `--subscriptions` (default "1,50"), that many subscriptions to `program`
events, each of a client of its own and to a path of its own on the receiver, replace the
previous ones. After a warm-up event, `--events` programs (default 50) are written

- in a burst, back to back: deliveries/s is every delivery (events times subscriptions) over the
  time from the first commit to the last arrival; the delay includes the queue;
- then at a steady pace for `--steady-seconds` (default 10), at `--steady-share` (default 0.5)
  of the rate the burst was delivered at (2 events at least): the delay is the engine's own.

The reference, measured between the two: plain httpx.AsyncClients on the worker's CPU (the
worker idles meanwhile), one per subscription (the engine sends one delivery of a subscription
at a time), POST the burst's bodies, each signed again as the engine signs it, to the same
receiver, each on its connection: the ceiling of httpx, the receiver and the loopback. The
engine opens a connection per delivery (a pooled one could carry an event to an address its
host name no longer resolves to); the reference keeps its connections.

Every arrival is checked afterwards: its signature with its subscription's secret, and its
webhook-id against the delivery stored for that subscription. The script exits 1 when an event
did not reach a subscription or reached the wrong one.
"""

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("SOFIFI_SECRET_KEY", f"benchmark-{uuid.uuid4().hex}")
os.environ.setdefault("SOFIFI_LOG_LEVEL", "WARNING")

import httpx
import sqlalchemy as sa
from scratch import (
    ROOT,
    free_port,
    scratch_database_or_file,
    start_server,
    wait_until_serving,
)
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from sofifi_api.auth.areas import AreaScope
from sofifi_api.clients import service as clients_service
from sofifi_api.db import Database, begin_writing, utcnow
from sofifi_api.organizations.models import Organization, OrganizationKind
from sofifi_api.programs import service as programs_service
from sofifi_api.programs.models import ProgramCategory, ProgramCreate, ProgramStatus
from sofifi_api.webhooks import service as webhooks_service
from sofifi_api.webhooks import signing
from sofifi_api.webhooks.models import WebhookDelivery, WebhookSubscription

RECEIVER_APP = "webhook_receiver:app"
JSON = "application/json"
# Waiting for deliveries ends when none has arrived for this long.
STALL_SECONDS = 60.0


@dataclass(frozen=True)
class Subscribed:
    """A benchmark subscription: its id, its secret and its path on the receiver."""

    id: uuid.UUID
    secret: str
    path: str


@dataclass(frozen=True)
class Arrival:
    arrived: float
    path: str
    webhook_id: str
    data_id: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Run:
    """One measured run: what was written, and what arrived."""

    subscriptions: int
    writes: str
    deliveries: int
    seconds: float
    delays: list[float]
    arrivals: list[Arrival]
    problems: list[str] = field(default_factory=list)
    duplicates: int = 0
    reference_per_second: float | None = None

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds

    @property
    def events_per_second(self) -> float:
        return self.per_second / self.subscriptions


@asynccontextmanager
async def _writing(database: Database) -> AsyncIterator[AsyncSession]:
    """A session for a write, which on SQLite waits its turn from BEGIN, as requests' do."""
    async with database.sessionmaker() as session:
        await begin_writing(session)
        yield session


async def _arrange(database: Database) -> uuid.UUID:
    """The organisation leading the programs written."""
    async with _writing(database) as session:
        lead = Organization(name="Dinas Koperasi Maluku Utara", kind=OrganizationKind.government)
        session.add(lead)
        await session.commit()
        return lead.id


async def _subscribe(database: Database, receiver_url: str, count: int) -> list[Subscribed]:
    """`count` subscriptions to program events, each of a client of its own (as partners'
    systems are) and to a path of its own; the earlier ones are deleted."""
    async with _writing(database) as session:
        await (await session.connection()).execute(
            sa.update(WebhookSubscription)
            .where(col(WebhookSubscription.deleted_at).is_(None))
            .values(deleted_at=utcnow())
        )
        subscribed = []
        for index in range(count):
            path = f"/hooks/{uuid.uuid4().hex}"
            issued = await clients_service.create_client(
                session, name=f"Sistem informasi desa {index}", scopes=["programs:read"]
            )
            subscription = await webhooks_service.create_subscription(
                session,
                issued.client.id,
                f"{receiver_url}{path}",
                ["program"],
                f"Benchmark {index}",
                allow_private=True,
            )
            subscribed.append(Subscribed(subscription.id, subscription.secret, path))
        await session.commit()
    return subscribed


async def _write_programs(
    database: Database, lead: uuid.UUID, count: int, rate: float | None
) -> dict[str, float]:
    """`count` programs, each in a transaction of its own, back to back (`rate` None) or
    `rate` a second; the wall-clock time right after each commit, by program id."""
    committed: dict[str, float] = {}
    started = time.monotonic()
    for index in range(count):
        if rate is not None:
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
        data = ProgramCreate(
            title=f"Pendampingan usaha kecil {index:04d}",
            category=ProgramCategory.economic,
            status=ProgramStatus.active,
            lead_organization_id=lead,
        )
        async with _writing(database) as session:
            program = await programs_service.create_program(session, data, areas=AreaScope())
            await session.commit()
        committed[str(program.id)] = time.time()
    return committed


async def _wait_for(
    receiver: httpx.AsyncClient, expected: int, writer: asyncio.Task[dict[str, float]]
) -> None:
    """Returns once `expected` deliveries have arrived, or none has for STALL_SECONDS after
    the writer finished."""
    count, progressed = 0, time.monotonic()
    while count < expected:
        await asyncio.sleep(0.05)
        now = int((await receiver.get("/received/count")).text)
        if now > count or not writer.done():
            count, progressed = now, time.monotonic()
        elif time.monotonic() - progressed > STALL_SECONDS:
            return


async def _arrivals(receiver: httpx.AsyncClient) -> list[Arrival]:
    """What the receiver recorded, which it then forgets."""
    recorded = (await receiver.get("/received", timeout=60)).json()
    await receiver.delete("/received")
    return [
        Arrival(
            arrived=item["arrived"],
            path=item["path"],
            webhook_id=item["webhook_id"],
            data_id=item["data_id"],
            headers={
                "webhook-id": item["webhook_id"],
                "webhook-timestamp": item["timestamp"],
                "webhook-signature": item["signature"],
            },
            body=item["body"].encode("utf-8"),
        )
        for item in recorded
    ]


async def _owners(database: Database, subscribed: list[Subscribed]) -> dict[str, uuid.UUID]:
    """The subscription of each stored delivery of these subscriptions, by webhook-id."""
    d = WebhookDelivery
    statement = sa.select(col(d.id), col(d.subscription_id)).where(
        col(d.subscription_id).in_([subscription.id for subscription in subscribed])
    )
    async with database.sessionmaker() as session:
        rows = (await (await session.connection()).execute(statement)).all()
    return {str(delivery_id): subscription_id for delivery_id, subscription_id in rows}


def _checked(
    run: Run,
    subscribed: list[Subscribed],
    owners: dict[str, uuid.UUID],
    committed: dict[str, float],
) -> dict[tuple[str, str], float]:
    """The first arrival of each (path, data id); every arrival at a subscription's path
    must be signed with its secret and be one of its deliveries (else a problem is noted)."""
    by_path = {subscription.path: subscription for subscription in subscribed}
    verifiers = {subscription.path: Webhook(subscription.secret) for subscription in subscribed}
    first: dict[tuple[str, str], float] = {}
    for arrival in run.arrivals:
        subscription = by_path.get(arrival.path)
        if subscription is None:
            run.problems.append(f"an event arrived at {arrival.path}, which no subscription has")
            continue
        if owners.get(arrival.webhook_id) != subscription.id:
            run.problems.append(f"delivery {arrival.webhook_id} reached another subscription")
        try:
            verifiers[arrival.path].verify(arrival.body, arrival.headers)
        except WebhookVerificationError:
            run.problems.append(f"delivery {arrival.webhook_id} is not signed by its secret")
        key = (arrival.path, arrival.data_id)
        if key in first:
            run.duplicates += 1
        else:
            first[key] = arrival.arrived
    missing = [
        (path, program) for path in by_path for program in committed if (path, program) not in first
    ]
    if missing:
        run.problems.append(f"{len(missing)} of {len(by_path) * len(committed)} events missing")
    return first


async def _run_once(
    database: Database,
    receiver: httpx.AsyncClient,
    subscribed: list[Subscribed],
    lead: uuid.UUID,
    events: int,
    rate: float | None,
) -> Run:
    """Writes `events` programs (a burst, or at `rate`) and waits for their deliveries."""
    expected = events * len(subscribed)
    writer = asyncio.create_task(_write_programs(database, lead, events, rate))
    await _wait_for(receiver, expected, writer)
    committed = await writer
    run = Run(
        subscriptions=len(subscribed),
        writes="burst" if rate is None else f"steady, {rate:.1f} events/s",
        deliveries=expected,
        seconds=0.0,
        delays=[],
        arrivals=await _arrivals(receiver),
    )
    first = _checked(run, subscribed, await _owners(database, subscribed), committed)
    wanted = {(subscription.path, program) for subscription in subscribed for program in committed}
    run.delays = [
        arrived - committed[program]
        for (path, program), arrived in first.items()
        if (path, program) in wanted
    ]
    last = max((first[key] for key in wanted if key in first), default=time.time())
    run.seconds = last - min(committed.values())
    return run


async def _reference(
    receiver: httpx.AsyncClient, arrivals: list[Arrival], secret: str, connections: int
) -> float:
    """POSTs/s of plain httpx clients sending these bodies, each signed again, on this many
    connections: a client each, as one client's pool slows down with many connections. The
    receiver forgets them afterwards."""
    bodies = iter([(arrival.webhook_id, arrival.body) for arrival in arrivals])

    async def send_in_turn(http: httpx.AsyncClient) -> None:
        for webhook_id, body in bodies:
            headers = signing.signature_headers(webhook_id, utcnow(), body, [secret])
            response = await http.post(
                "/hooks/reference", content=body, headers=headers | {"content-type": JSON}
            )
            if response.status_code != 204:
                sys.exit(f"the receiver answered the reference {response.status_code}")

    clients = [httpx.AsyncClient(base_url=receiver.base_url) for _ in range(connections)]
    try:
        started = time.perf_counter()
        await asyncio.gather(*(send_in_turn(http) for http in clients))
        seconds = time.perf_counter() - started
    finally:
        for http in clients:
            await http.aclose()
    await receiver.delete("/received")
    return len(arrivals) / seconds


@contextmanager
def _pinned(cpu: int) -> Iterator[None]:
    """This process on `cpu` for the block."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


async def _measure(
    database: Database,
    receiver: httpx.AsyncClient,
    subscribed: list[Subscribed],
    lead: uuid.UUID,
    args: argparse.Namespace,
) -> list[Run]:
    """A warm-up event, the burst, the reference, then the steady pace."""
    warm_up = await _run_once(database, receiver, subscribed, lead, 1, None)
    if warm_up.problems:
        sys.exit(f"the warm-up event was not delivered: {warm_up.problems[0]}")
    burst = await _run_once(database, receiver, subscribed, lead, args.events, None)
    print(
        f"{len(subscribed)} subscription(s), burst: {burst.per_second:,.0f} deliveries/s",
        flush=True,
    )
    with _pinned(args.worker_cpu):
        burst.reference_per_second = await _reference(
            receiver, burst.arrivals, subscribed[0].secret, len(subscribed)
        )
    rate = args.steady_share * burst.events_per_second
    events = max(2, round(rate * args.steady_seconds))
    steady = await _run_once(database, receiver, subscribed, lead, events, rate)
    steady.reference_per_second = burst.reference_per_second
    return [burst, steady]


@contextmanager
def _worker(database_url: str, args: argparse.Namespace, log: Path) -> Iterator[None]:
    """`sofifi-api worker` on the worker's CPU, its output in `log`, stopped with SIGTERM."""
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "SOFIFI_WEBHOOK_ALLOW_PRIVATE": "true",
        "SOFIFI_WEBHOOK_POLL_SECONDS": str(args.poll_seconds),
    }
    command = [
        "taskset",
        "-c",
        str(args.worker_cpu),
        str(Path(sys.executable).parent / "sofifi-api"),
        "worker",
    ]
    with log.open("wb") as output:
        worker = subprocess.Popen(  # noqa: S603  (our own command)
            command, env=environment, cwd=ROOT, stdout=output, stderr=output
        )
        try:
            yield
        finally:
            worker.terminate()
            worker.wait(timeout=60)


@contextmanager
def _receiver(database_url: str, cpu: int) -> Iterator[str]:
    port = free_port()
    server = start_server(database_url, port, quiet=True, app=RECEIVER_APP, cpus=str(cpu))
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


async def _run(args: argparse.Namespace, counts: list[int]) -> tuple[str, list[Run]]:
    runs: list[Run] = []
    async with scratch_database_or_file() as url:
        database = Database(url)
        try:
            lead = await _arrange(database)
            with (
                tempfile.TemporaryDirectory(prefix="sofifi-worker-") as directory,
                _receiver(url, args.receiver_cpu) as receiver_url,
            ):
                log = args.worker_log or Path(directory) / "worker.log"
                with _worker(url, args, log):
                    async with httpx.AsyncClient(base_url=receiver_url, timeout=30) as receiver:
                        for count in counts:
                            subscribed = await _subscribe(database, receiver_url, count)
                            runs += await _measure(database, receiver, subscribed, lead, args)
                if any(run.problems for run in runs):
                    lines = log.read_text().splitlines()[-10:]
                    shown = "\n".join(line[:300] for line in lines)
                    print(f"the worker's log ends:\n{shown}", file=sys.stderr)
            return database.engine.dialect.name, runs
        finally:
            await database.dispose()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _report(dialect: str, runs: list[Run], args: argparse.Namespace) -> None:
    print(
        f"\n{'PostgreSQL' if dialect == 'postgresql' else 'SQLite'}; one `sofifi-api worker` on "
        f"CPU {args.worker_cpu}, polling every {args.poll_seconds:g} s; receiver and writer on "
        f"CPU {args.receiver_cpu}; {args.events} events per burst. Deliveries/s: all deliveries "
        "over first commit to last arrival; reference: plain httpx clients' POSTs/s of the "
        "same bodies, one connection per subscription; delay: commit to arrival.\n"
    )
    print(
        "| subscriptions | writes | deliveries | deliveries/s | reference POSTs/s "
        "| ÷ reference | delay p50 | delay p95 |\n|---:|---|---:|---:|---:|---:|---:|---:|"
    )
    for run in runs:
        reference = run.reference_per_second or 0.0
        ratio = f"{run.per_second / reference:.3f}" if run.writes == "burst" else ""
        print(
            f"| {run.subscriptions} | {run.writes} | {run.deliveries:,} | {run.per_second:,.1f} "
            f"| {reference:,.0f} | {ratio} | {_percentile(run.delays, 0.5) * 1000:,.0f} ms "
            f"| {_percentile(run.delays, 0.95) * 1000:,.0f} ms |"
        )
    duplicates = sum(run.duplicates for run in runs)
    if duplicates:
        print(f"\n{duplicates} deliveries arrived more than once (at least once is the promise)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50, help="programs written per burst")
    parser.add_argument("--subscriptions", default="1,50", help="comma-separated counts")
    parser.add_argument("--poll-seconds", type=float, default=0.1, help="the worker's poll")
    parser.add_argument(
        "--steady-share", type=float, default=0.5, help="steady pace, a share of the burst's"
    )
    parser.add_argument("--steady-seconds", type=float, default=10.0, help="steady pace's length")
    parser.add_argument("--worker-cpu", type=int, default=0)
    parser.add_argument("--worker-log", type=Path, help="the worker's output (default: dropped)")
    parser.add_argument("--receiver-cpu", type=int, default=1)
    args = parser.parse_args()
    counts = [int(count) for count in args.subscriptions.split(",")]
    if args.events < 2 or min(counts) < 1:
        parser.error("at least 2 events and 1 subscription")
    if shutil.which("taskset") is None:
        sys.exit("taskset is not installed.")
    with _pinned(args.receiver_cpu):
        dialect, runs = asyncio.run(_run(args, counts))
    _report(dialect, runs, args)
    problems = [
        f"{run.subscriptions} subscription(s), {run.writes}: {problem}"
        for run in runs
        for problem in run.problems
    ]
    if problems:
        sys.exit("\n".join(problems[:20]))


if __name__ == "__main__":
    main()
