"""The tamper-evident audit log of staff actions (DESIGN §5, §8)."""

from portal.audit.chain import ChainBreak, record, verify_chain

__all__ = ["ChainBreak", "record", "verify_chain"]
