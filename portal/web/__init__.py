"""Pieces every blueprint shares: the request's database session, headers, errors, access."""
