"""Reporters: submitting sealed, optionally anonymous reports and following up with a receipt."""
