"""Key management services: instance secrets, personal keys, desk keys and their wraps.

`portal.crypto` holds the primitives; this package decides which rows hold which wraps.
"""
