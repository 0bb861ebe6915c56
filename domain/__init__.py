"""Business rules in plain Python: no I/O, no SQLAlchemy, no strawberry.

It imports only the standard library and `phonenumbers` (tests/test_architecture.py holds the
allowlist); what needs a library or the outside world (hashing, signing, payment gateways, the
time) comes in through a Protocol, implemented by an adapter in `api/adapters/` or `db/`.

Each area is a package with `model.py` (frozen dataclasses, pure functions, coded
exceptions) and, where it has use cases, `services.py` (async functions that talk to
storage only through the Protocols they declare).
"""
