"""Data shipped with the auth package: the common-password list and the script that builds it."""
