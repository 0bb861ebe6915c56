"""Business rules in plain Python: no I/O, no SQLAlchemy, no strawberry.

Each area is a package with `model.py` (frozen dataclasses, pure functions, coded
exceptions) and, where it has use cases, `services.py` (async functions that talk to
storage only through the Protocols they declare).
"""
