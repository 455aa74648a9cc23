"""Pabulib import or export in a process of its own, so that its peak memory is its own.

``python -m bench.pbio import DATABASE_URL FILE.pb SLUG`` and
``python -m bench.pbio export DATABASE_URL CYCLE_ID OUT.pb`` print one JSON line: the seconds of
the operation (reading and writing separately for an import), the resident set size before it
began (the interpreter and the app loaded) and the process's peak (``VmHWM``), in KiB.
Both follow the command line (``flask pabulib import`` reads per voter, as it does; ``flask
pabulib export`` writes the shuffled file).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _rss_kib() -> int:
    return _status_kib("VmRSS")


def _peak_kib() -> int:
    # VmHWM, the high-water mark of this process's own memory. Not ru_maxrss: Linux carries that
    # over from the parent's memory at fork, so a child would report at least its parent's size.
    return _status_kib("VmHWM")


def main(argv: list[str]) -> int:
    operation, database_url, target, extra = argv
    from microprojects.models import Community, Cycle, utcnow
    from microprojects.services import counting, places

    from .seed import setup_app

    app = setup_app(database_url)
    report: dict[str, object] = {"operation": operation}
    with app.app_context():
        from microprojects.domain.pabulib import read_pb
        from microprojects.extensions import db

        if operation == "import":
            community: Community = places.ensure_community(
                city="海口市", district="美兰区", street="和平南街道", community=extra,
                slug=extra, grids=[],
            )  # fmt: skip
            db.session.commit()
            report["start_rss_kib"] = _rss_kib()
            began = time.perf_counter()
            election = read_pb(Path(target))
            read = time.perf_counter()
            cycle = counting.import_election(election, community=community, now=utcnow())
            report |= {
                "read_seconds": read - began,
                "write_seconds": time.perf_counter() - read,
                "seconds": time.perf_counter() - began,
                "cycle": cycle.id,
                "ballots": election.num_voters,
            }
        elif operation == "export":
            cycle_row = db.session.get(Cycle, int(target))
            assert cycle_row is not None
            report["start_rss_kib"] = _rss_kib()
            began = time.perf_counter()
            text = counting.export_pb(cycle_row)
            Path(extra).write_text(text, encoding="utf-8")
            report |= {"seconds": time.perf_counter() - began, "bytes": len(text.encode())}
        else:
            raise SystemExit(f"unknown operation {operation!r}")
        report["peak_rss_kib"] = _peak_kib()
    print("PBIO_JSON " + json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
