"""Webhooks after commit: deliveries made from the outbox's webhook events (`payloads`), sent and
signed (`sender`) by the delivery worker (`worker`), in `serve` or as `omnishop webhooks-deliver`."""
