"""A settlement statement's entries as CSV, for finance (`omnishop settlement-export`).

One row per entry, oldest first: which order and line it splits, whose share it is and why, and
the amount; a header row first. Amounts are written to the currency's minor unit.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_session_factory
from db.settlement_statements import statement_export_rows
from domain.money import round_to_minor

HEADER = ["entry", "order", "sku", "party", "role", "event", "amount", "currency", "completed_at", "written_at"]


async def statement_csv(engine: AsyncEngine, statement_id: int) -> str:
    async with create_session_factory(engine)() as session:
        rows = await statement_export_rows(session, statement_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for entry, number, sku, party, role, event, amount, currency, completed_at, created_at in rows:
        writer.writerow(
            [
                entry,
                number,
                sku or "",
                party,
                role.value,
                event.value,
                round_to_minor(amount, currency),
                currency,
                completed_at.isoformat(),
                created_at.isoformat(),
            ]
        )
    return out.getvalue()
