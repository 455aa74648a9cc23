"""Errors a use case reports to its caller: a code and parameters, worded by the web layer."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class PermissionDenied(ServiceError):
    def __init__(self, **params: Any) -> None:
        super().__init__("forbidden", **params)


class NotFound(ServiceError):
    def __init__(self, **params: Any) -> None:
        super().__init__("not_found", **params)
