"""Compacting the change log: a change that a later change of the same resource supersedes is
never needed. A follower positioned before it reaches the later one too, and every entry carries
the resource's current state, so keeping each resource's latest change (a deletion's tombstone
included) loses no follower anything, however far behind it is.

Superseded changes are read in one pass, through a transaction that writes nothing, and
removed `batch` at a time in short transactions of their own: a writing transaction holds the
feed back while it runs, so compaction never holds it back for long.
"""

import sqlalchemy as sa
from sqlmodel import col, select

from sofifi_api.changes.models import Change
from sofifi_api.db import Database

COMPACTION_BATCH = 5_000


def _superseded() -> sa.Select[tuple[int]]:
    """Every change but the latest of its resource, in log order; a change that records the
    area a resource left stays, as the clients bound to that area learn of the move by it."""
    newer = sa.func.row_number().over(
        partition_by=(col(Change.resource_type), col(Change.resource_id)),
        order_by=(col(Change.txid).desc(), col(Change.seq).desc()),
    )
    ranked = select(
        col(Change.seq).label("seq"), col(Change.left_area_code).label("left"), newer.label("newer")
    ).subquery()
    return (
        sa.select(ranked.c.seq)
        .where(ranked.c.newer > 1, ranked.c.left.is_(None))
        .order_by(ranked.c.seq)
    )


async def compact_changes(database: Database, *, batch: int = COMPACTION_BATCH) -> int:
    """Removes the superseded changes; how many there were."""
    removed = 0
    async with (
        database.engine.connect() as reader,
        reader.stream(_superseded(), execution_options={"yield_per": batch}) as superseded,
    ):
        async for rows in superseded.partitions():
            seqs = [seq for (seq,) in rows]
            async with database.engine.begin() as writer:
                await writer.execute(sa.delete(Change).where(col(Change.seq).in_(seqs)))
            removed += len(seqs)
    return removed
