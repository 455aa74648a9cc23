"""Use cases. Each public function is one transaction: it checks permission, changes state,
writes an audit row for every administrative change, and commits once (or rolls back and raises
``ServiceError``). ``actor`` and ``now`` are always passed in; nothing here reads the request."""

from .errors import PermissionDenied, ServiceError

__all__ = ["PermissionDenied", "ServiceError"]
