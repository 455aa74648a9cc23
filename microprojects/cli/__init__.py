"""The command line (``flask --app app <command>``) and the demo city it loads. Commands are thin
shells over services, as views are."""

from .commands import register

__all__ = ["register"]
