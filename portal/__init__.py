"""Compact Watch: civil-society evidence for security-assistance compacts."""
