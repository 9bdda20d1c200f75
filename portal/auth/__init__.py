"""Staff and member authentication: passwords, second factors, recovery codes.

Pure building blocks (no Flask): the auth service calls them and owns storage and sessions.
"""
