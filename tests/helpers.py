"""Helpers that tests of several areas share; imported as ``helpers``, like ``factories``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from microprojects.extensions import db


def row_count(model: type[Any], /, *, app: Flask | None = None, **where: Any) -> int:
    """How many rows of ``model`` match ``where`` (column=value). Service tests call it inside
    their app context; page tests, which hold none between requests, pass ``app``."""
    if app is not None:
        with app.app_context():
            return row_count(model, **where)
    rows: int = db.session.scalar(select(func.count()).select_from(model).filter_by(**where))
    return rows


def at_once(app: Flask, call: Callable[[int], object], count: int = 2) -> list[str]:
    """``call(i)`` run by ``count`` threads at the same moment (i = 0, 1, …), each in its own
    app context and session: what each ended with, sorted: "ok", the refusal's code, or any
    other error named (which fails the test that expects codes)."""
    from microprojects.services.errors import ServiceError

    barrier = threading.Barrier(count)
    outcomes: list[str] = []

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                call(i)
                outcomes.append("ok")
            except ServiceError as error:
                outcomes.append(
                    str(error.code.value if hasattr(error.code, "value") else error.code)
                )
            except Exception as error:
                outcomes.append(f"{type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)
