"""Members beyond sign-in: the till lookup, profiles, address books, tags and the points ledger."""
