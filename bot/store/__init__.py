"""The store: requests, approvals and the audit log in SQLite or PostgreSQL. The engine and its
write thread, the schema and its migrations, rows, conditional state changes, the audit log,
secrets kept encrypted at rest, and short-lived records (trigger ids seen, forms being filled).

May import settings and errors only.
"""

from bot.store.audit import AuditEntry, export, mask, parse_since
from bot.store.core import Store
from bot.store.rows import ApprovalResult, NoSuchRequest, StoredRequest
from bot.store.secretbox import SecretBox
from bot.store.transient import StoredForm

__all__ = [
    "ApprovalResult",
    "AuditEntry",
    "NoSuchRequest",
    "SecretBox",
    "Store",
    "StoredForm",
    "StoredRequest",
    "export",
    "mask",
    "parse_since",
]
