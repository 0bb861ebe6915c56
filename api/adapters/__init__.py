"""Adapters behind the domain's Protocols: the password hasher, the token signer, the payment providers.

They hold the libraries and the I/O the domain must not import; the app wires them into `Services`.
"""
