"""a token the database changes whenever webhook subscribers may have changed

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 20:00:00.000000

The outbox relay turns webhook events into deliveries for the active webhooks of apps that are not
revoked; it read them on every drain (a flash sale drains after every few commits). Now it keeps them
and reads them again only when `webhook_subscriptions.version` differs from the one it read them under
(api/events.py). Triggers give the one row a new random token in the transaction of any write that
could change what the relay reads: a webhook made, deleted, or changed in its app, events, payload
query or activity; an app's scopes or revocation changed, or the app deleted. A random token rather
than a counter: a row lost (a restore, a test emptying tables) and written again never repeats one a
relay holds, and a missing row (NULL) makes the relay read every time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_CHANGED = """CREATE OR REPLACE FUNCTION webhook_subscriptions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_subscriptions (id, version) VALUES (1, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END $$"""
_PG_TRIGGERS = {  # statement-level: one new token per statement, whatever the rows
    "webhook_subscriptions_webhooks_written": "AFTER INSERT OR DELETE OR TRUNCATE ON webhooks",
    "webhook_subscriptions_webhooks_updated": "AFTER UPDATE OF app_id, events, query, is_active ON webhooks",
    "webhook_subscriptions_apps_updated": "AFTER UPDATE OF scopes, revoked_at OR DELETE OR TRUNCATE ON apps",
}
_SQLITE_NEW = "INSERT OR REPLACE INTO webhook_subscriptions (id, version) VALUES (1, lower(hex(randomblob(16))))"
_SQLITE_TRIGGERS = {  # SQLite's triggers are per row
    "webhook_subscriptions_webhooks_inserted": "AFTER INSERT ON webhooks",
    "webhook_subscriptions_webhooks_deleted": "AFTER DELETE ON webhooks",
    "webhook_subscriptions_webhooks_updated": "AFTER UPDATE OF app_id, events, query, is_active ON webhooks",
    "webhook_subscriptions_apps_updated": "AFTER UPDATE OF scopes, revoked_at ON apps",
    "webhook_subscriptions_apps_deleted": "AFTER DELETE ON apps",
}


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("INSERT INTO webhook_subscriptions (id, version) VALUES (1, gen_random_uuid()::text)")
        op.execute(_PG_CHANGED)
        for name, when in _PG_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT EXECUTE FUNCTION webhook_subscriptions_changed()"
            )
        return
    op.execute(_SQLITE_NEW)
    for name, when in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {_SQLITE_NEW}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, when in _PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER {name} ON {when.rsplit(' ', 1)[1]}")
        op.execute("DROP FUNCTION webhook_subscriptions_changed()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("webhook_subscriptions")
