"""The audit plugin of pic-obs: it owns the hash chain in ``data/api/audit/``."""

from .entry import ENTRY_FIELDS, GENESIS_HASH, summary_of
from .verify import verify
from .writer import AuditLog, AuditWriteError

__all__ = ["ENTRY_FIELDS", "GENESIS_HASH", "AuditLog", "AuditWriteError", "summary_of", "verify"]
