"""Servers and load: gunicorn started and stopped here, wrk driving plain GETs and POSTs, and a
Python client for what needs a logged-in resident walking through several pages.

The Python client uses one thread per simulated client, each with one ``http.client``
connection (gunicorn's sync workers close it after every response, as in production, so both
clients reconnect per request) and the cookies of the resident it is acting for.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')
RECEIPT_MARK = "data-receipt"  # the receipt page, in the cast's own answer
BALLOT_KEY = base64.b64encode(os.urandom(32)).decode("ascii")  # one run's servers share it
SECRET_KEY = "bench-" + os.urandom(16).hex()  # and this, which signs their session cookies
HOST = "127.0.0.1"


# --- measuring the machine -------------------------------------------------------------------


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def background_busy(seconds: float = 1.0) -> float:
    """Share of the machine busy while the benchmark itself is idle: other people's work."""
    window = CpuWindow()
    time.sleep(seconds)
    return window.stop()[0]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _pg_backends() -> list[int]:
    """PostgreSQL processes serving one of this run's databases."""
    from .databases import PG_NAME

    name = PG_NAME.encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                text = cmdline.read(200)
        except OSError:
            continue
        if text.startswith(b"postgres") and (name + b" " in text or name + b"_" in text):
            found.append(int(entry))
    return found


def _our_ticks(server_pid: int | None) -> int:
    """CPU ticks so far of the benchmark's own work: this process, gunicorn and its workers, the
    PostgreSQL backends serving the benchmark's database, and finished children (wrk)."""
    pids = [os.getpid(), *_pg_backends()]
    if server_pid is not None:
        pids += [server_pid, *_children(server_pid)]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return sum(_cpu_ticks(pid) for pid in pids) + round(
        (children.ru_utime + children.ru_stime) * CLOCK_TICKS
    )


def _server_ticks(server_pid: int) -> int:
    """CPU ticks so far of gunicorn and its workers."""
    return sum(_cpu_ticks(pid) for pid in [server_pid, *_children(server_pid)])


def pg_ticks() -> int:
    """CPU ticks so far of the PostgreSQL backends serving the benchmark's databases (those
    connected now: the app's pooled connections live as long as its workers)."""
    return sum(_cpu_ticks(pid) for pid in _pg_backends())


class CpuWindow:
    """Between creation and stop(): the share of the whole machine (all cores) that was busy,
    and the share busy with work other than the benchmark's (other people's, on a shared
    machine); and the CPU seconds of the app's processes and of its PostgreSQL backends
    (``app_seconds``, ``pg_seconds``, set by stop())."""

    def __init__(self, server_pid: int | None = None) -> None:
        self.server_pid = server_pid
        self.app = _server_ticks(server_pid) if server_pid is not None else 0
        self.pg = pg_ticks()
        self.ours = _our_ticks(server_pid)
        self.busy, self.total = machine_busy()
        self.app_seconds = self.pg_seconds = 0.0

    def stop(self) -> tuple[float, float]:
        busy, total = machine_busy()
        ours = _our_ticks(self.server_pid) - self.ours
        if self.server_pid is not None:
            self.app_seconds = (_server_ticks(self.server_pid) - self.app) / CLOCK_TICKS
        self.pg_seconds = max(0, pg_ticks() - self.pg) / CLOCK_TICKS
        elapsed = max(1, total - self.total)
        busy -= self.busy
        return busy / elapsed, max(0, busy - ours) / elapsed


def cpu_ms_per_request(window: CpuWindow, requests: int) -> dict[str, float]:
    """CPU milliseconds per request in the app's processes and in its PostgreSQL backends."""
    n = max(1, requests)
    return {
        "app": round(window.app_seconds * 1000 / n, 3),
        "postgresql": round(window.pg_seconds * 1000 / n, 3),
        "requests": requests,
    }


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    port: int
    workers: int
    process: subprocess.Popen[bytes]
    log: Path


def server_env(database_url: str) -> dict[str, str]:
    """Production settings, with what plain HTTP on loopback and a load test need."""
    return {
        **os.environ,
        "MICROPROJECTS_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "BALLOT_KEY": BALLOT_KEY,
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on 127.0.0.1: no TLS proxy in front
        "LOGIN_RATE_LIMIT": "1000000 per minute",
        "CLAIM_RATE_LIMIT": "1000000 per minute",
        "COMMENT_RATE_LIMIT": "1000000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


@contextmanager
def gunicorn(database_url: str, workers: int, logdir: Path) -> Iterator[Server]:
    """``gunicorn --workers N --bind 127.0.0.1:PORT bench.benchapp:app``, stopped on exit."""
    port = free_port()
    log = logdir / f"gunicorn-{port}.log"
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers),
        "--bind", f"{HOST}:{port}", "--error-logfile", str(log), "bench.benchapp:app",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=server_env(database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(f"http://{HOST}:{port}", port, workers, process, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {server.log}:\n{_tail(server.log)}")
        try:
            status, _, _ = Client(server.port).request("GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {server.log}")


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            return [int(x) for x in children.read().split()]
    except OSError:
        return []


def settle(server: Server, timeout: float = 60.0) -> float:
    """Wait until gunicorn's workers are idle: requests a load run left queued (sync workers
    finish every accepted connection, even one its client gave up) must not eat into the next
    run. Returns the seconds waited."""
    began = time.monotonic()
    previous: int | None = None
    while time.monotonic() - began < timeout:
        ticks = sum(_cpu_ticks(pid) for pid in [server.process.pid, *_children(server.process.pid)])
        if (
            previous is not None and ticks - previous <= 1
        ):  # at most one tick (10 ms) in 0.3 s: idle
            break
        previous = ticks
        time.sleep(0.3)
    return time.monotonic() - began


def _tail(path: Path) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-20:])
    except OSError:
        return ""


# --- figures ---------------------------------------------------------------------------------


@dataclass
class Figures:
    """One measured load: throughput and latency (ms), errors, and who generated it."""

    name: str
    generator: str
    rate: float
    p50: float
    p99: float
    count: int
    seconds: float
    errors: int = 0
    unit: str = "req/s"
    machine_cpu: float = 0.0
    others_cpu: float = 0.0
    client_cpu: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "generator": self.generator,
            "rate": round(self.rate, 2),
            "unit": self.unit,
            "p50_ms": round(self.p50, 2),
            "p99_ms": round(self.p99, 2),
            "count": self.count,
            "seconds": round(self.seconds, 2),
            "errors": self.errors,
            "machine_cpu": round(self.machine_cpu, 3),
            "others_cpu": round(self.others_cpu, 3),
            "client_cpu_cores": None if self.client_cpu is None else round(self.client_cpu, 3),
            **self.extra,
        }


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


# --- wrk -------------------------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = "%(method)s"
wrk.body = "%(body)s"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
%(cookie)s
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status":%%d,"timeout":%%d,"p50_us":%%d,"p99_us":%%d,"max_us":%%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


# Logged-in POSTs from a file of (Cookie header, form body) lines, one resident's request per
# line: each of wrk's threads takes every n-th line. "once": each line is sent once (a cast spends
# its token), and a thread that runs out stops; otherwise the lines are sent round and round. A
# response counts as expected when it is a 302 to a Location ending in EXPECT or, for an EXPECT
# of "body:TEXT", a 200 whose body holds TEXT; every request counts in wrk's latency figures.
WRK_LINES_SCRIPT = """
local path, lines_file, expect = "%(path)s", "%(lines)s", "%(expect)s"
local once, nthreads = %(once)s, %(threads)d
local threads, made = {}, 0
function setup(thread)
  thread:set("id", made)
  made = made + 1
  table.insert(threads, thread)
end
function init(args)
  requests_, pos, ok, bad, ran_out = {}, 0, 0, 0, 0
  local i = 0
  for line in io.lines(lines_file) do
    if i %% nthreads == id then
      local tab = line:find("\\t", 1, true)
      table.insert(requests_, wrk.format("POST", path, {
        ["Cookie"] = line:sub(1, tab - 1),
        ["Content-Type"] = "application/x-www-form-urlencoded",
      }, line:sub(tab + 1)))
    end
    i = i + 1
  end
end
function request()
  pos = pos + 1
  if pos > #requests_ then
    if once then
      ran_out = 1
      wrk.thread:stop()
      return requests_[#requests_]
    end
    pos = 1
  end
  return requests_[pos]
end
function response(status, headers, body)
  if ran_out == 1 then return end
  local location = headers["Location"] or ""
  local good
  if expect:sub(1, 5) == "body:" then
    good = status == 200 and body ~= nil and body:find(expect:sub(6), 1, true) ~= nil
  else
    good = status == 302 and location:sub(-#expect) == expect
  end
  if good then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local e = summary.errors
  local ok_, bad_, out_ = 0, 0, 0
  for _, t in ipairs(threads) do
    ok_, bad_, out_ = ok_ + t:get("ok"), bad_ + t:get("bad"), out_ + t:get("ran_out")
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status":%%d,"timeout":%%d,"p50_us":%%d,"p99_us":%%d,"max_us":%%d,' ..
    '"ok":%%d,"bad":%%d,"ran_out":%%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, ok_, bad_, out_))
end
"""


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    name: str,
    url: str,
    *,
    seconds: float,
    connections: int,
    method: str = "GET",
    threads: int = 2,
    server_pid: int | None = None,
    cookie: str = "",
    form: dict[str, Any] | None = None,
) -> Figures:
    """wrk at ``connections`` concurrent connections; non-2xx/3xx answers count as errors.
    With ``cookie`` (``session=...``) every request is one resident's, with ``form`` its body."""
    body = urllib.parse.urlencode(form or {}, doseq=True)
    data = _wrk(
        WRK_SCRIPT % {
            "method": method,
            "body": body,
            "cookie": f'wrk.headers["Cookie"] = "{cookie}"' if cookie else "",
        },
        url, seconds=seconds, connections=connections, threads=threads, server_pid=server_pid,
    )  # fmt: skip
    return _wrk_figures(name, data, threads, connections, data["requests"])


def _wrk(
    script: str,
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int,
    server_pid: int | None,
) -> dict[str, Any]:
    """Run wrk with ``script``; what its ``done`` printed, plus the CPU of the window."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        cpu = CpuWindow(server_pid)
        done = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
             "--timeout", "10s", "-s", file.name, url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        busy, others = cpu.stop()
    finally:
        os.unlink(file.name)
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON "))
    data: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    return data | {"busy": busy, "others": others, "window": cpu}


def _wrk_figures(
    name: str, data: dict[str, Any], threads: int, connections: int, counted: int
) -> Figures:
    duration = data["duration_us"] / 1e6
    # A socket error on connect or write is a failed request; a read error is gunicorn closing
    # the connection wrk would have kept alive, which wrk then reopens: not a failure.
    errors = data["status"] + data["timeout"] + data["connect"] + data["write"]
    figures = Figures(
        name=name,
        generator=f"wrk -t{threads} -c{connections}",
        rate=counted / duration,
        p50=data["p50_us"] / 1000,
        p99=data["p99_us"] / 1000,
        count=counted,
        seconds=duration,
        errors=errors,
        machine_cpu=data["busy"],
        others_cpu=data["others"],
    )
    # Every answer the window saw was served, counted or not.
    figures.extra["cpu_ms"] = cpu_ms_per_request(data["window"], data["requests"])
    return figures


# --- the Python client -----------------------------------------------------------------------


class Client:
    """One connection to the server, reopened when the server closes it, and a cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookie = ""

    def request(
        self, method: str, path: str, form: dict[str, Any] | None = None
    ) -> tuple[int, str, str]:
        """(status, body, Location) of one request, keeping the session cookie up to date."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, text, response.getheader("Location") or ""

    def close(self) -> None:
        self.conn.close()


def login(port: int, username: str, password: str) -> str:
    """The session cookie of ``username``, logged in through the login form."""
    client = Client(port)
    status, page, _ = client.request("GET", "/login")
    token = CSRF_RE.search(page)
    assert status == 200 and token, f"login page: {status}"
    form = {"login": username, "password": password, "csrf_token": token.group(1)}
    status, _, _ = client.request("POST", "/login", form)
    client.close()
    if status != 302:
        raise RuntimeError(f"login of {username} failed: {status}")
    return client.cookie


def login_all(port: int, usernames: list[str], password: str, *, clients: int) -> list[str]:
    """Session cookies for every resident, logged in ``clients`` at a time."""
    cookies: list[str] = [""] * len(usernames)
    lock = threading.Lock()
    position = 0

    def worker() -> None:
        nonlocal position
        while True:
            with lock:
                index = position
                position += 1
            if index >= len(usernames):
                return
            cookies[index] = login(port, usernames[index], password)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return cookies


@dataclass
class _Run:
    """Shared by the client threads of one measured run."""

    deadline: float
    stop: threading.Event = field(default_factory=threading.Event)
    ended_at: float = float("inf")
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: list[tuple[float, float]] = field(default_factory=list)  # (finished at, seconds)
    steps: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    exhausted: bool = False
    window: CpuWindow | None = None

    def end_early(self) -> None:
        with self.lock:
            self.ended_at = min(self.ended_at, time.perf_counter())
        self.stop.set()


def _drive(
    server: Server, clients: int, seconds: float, body: Callable[[int, _Run], None]
) -> tuple[_Run, float, float, tuple[float, float], float | None]:
    """Run ``body(index, run)`` in ``clients`` threads from one start until the deadline.
    Returns (run, start, end of the window, (machine busy, others' share), client cores)."""
    barrier = threading.Barrier(clients + 1)
    run = _Run(deadline=0.0)

    def thread_main(index: int) -> None:
        barrier.wait()
        try:
            body(index, run)
        except Exception as error:  # a failure ends the run and is reported
            with run.lock:
                run.errors.append(f"{type(error).__name__}: {error}")
            run.end_early()

    threads = [threading.Thread(target=thread_main, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = CpuWindow(server.process.pid)
    start = time.perf_counter()
    run.deadline = start + seconds
    barrier.wait()
    for t in threads:
        t.join()
    busy = cpu.stop()
    after = resource.getrusage(resource.RUSAGE_SELF)
    end = min(run.deadline, run.ended_at)
    wall = time.perf_counter() - start
    used = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    run.window = cpu
    return run, start, end, busy, used / wall if wall > 0 else None


def _figures(name: str, clients: int, run: _Run, start: float, end: float, unit: str) -> Figures:
    counted = sorted(seconds for finished, seconds in run.done if finished <= end)
    window = max(end - start, 1e-9)
    return Figures(
        name=name,
        generator=f"Python client, {clients} threads",
        rate=len(counted) / window,
        p50=percentile(counted, 50) * 1000,
        p99=percentile(counted, 99) * 1000,
        count=len(counted),
        seconds=window,
        errors=len(run.errors),
        unit=unit,
    )


def _measure(
    name: str,
    server: Server,
    clients: int,
    seconds: float,
    body: Callable[[int, _Run], None],
    unit: str,
) -> tuple[Figures, _Run]:
    """Drive ``body`` (see :func:`_drive`) and turn the run into figures: throughput, latency,
    CPU, whether the residents ran out, the first error."""
    run, start, end, busy, client_cpu = _drive(server, clients, seconds, body)
    figures = _figures(name, clients, run, start, end, unit)
    (figures.machine_cpu, figures.others_cpu), figures.client_cpu = busy, client_cpu
    if run.window is not None:  # every finished request, in the window or just after it
        figures.extra["cpu_ms"] = cpu_ms_per_request(run.window, len(run.done))
    if run.exhausted:
        figures.extra["ran_out_of_residents"] = True
    return figures, run


def python_load(
    name: str,
    server: Server,
    path: str,
    *,
    method: str,
    seconds: float,
    clients: int,
    cookie: str = "",
    form: dict[str, Any] | None = None,
) -> Figures:
    """The same request over and over from ``clients`` threads (with ``cookie``, one
    resident's, sending ``form``)."""

    def body(index: int, run: _Run) -> None:
        client = Client(server.port)
        sent = form if form is not None else ({} if method == "POST" else None)
        while time.perf_counter() < run.deadline and not run.stop.is_set():
            if cookie:
                client.cookie = cookie  # the resident's session, whatever the last answer set
            began = time.perf_counter()
            status, _, _ = client.request(method, path, sent)
            finished = time.perf_counter()
            if status != 200:
                raise RuntimeError(f"{method} {path}: {status}")
            with run.lock:
                run.done.append((finished, finished - began))
        client.close()

    return _measure(name, server, clients, seconds, body, "req/s")[0]


def cast_ballots(
    name: str,
    server: Server,
    *,
    cycle_id: int,
    projects: list[int],
    cookies: list[str],
    seconds: float,
    clients: int,
) -> Figures:
    """Logged-in residents casting a ballot through the web pages, one resident after another
    per client: GET the ballot page, POST the review with two projects, POST the cast with the
    review's token (an answer holding the receipt is success). A cast's latency is the three
    requests together; the window ends at the deadline or when a client runs out of residents."""
    per_client = [cookies[i::clients] for i in range(clients)]

    def body(index: int, run: _Run) -> None:
        client = Client(server.port)
        mine = per_client[index]
        for n, cookie in enumerate(mine):
            if time.perf_counter() >= run.deadline or run.stop.is_set():
                break
            client.cookie = cookie
            chosen = [
                projects[(index + n) % len(projects)],
                projects[(index + n + 2) % len(projects)],
            ]
            began = time.perf_counter()
            status, page, _ = client.request("GET", f"/cycles/{cycle_id}/vote")
            t1 = time.perf_counter()
            csrf = CSRF_RE.search(page)
            if status != 200 or not csrf:
                raise RuntimeError(f"ballot page: {status}")
            status, page, _ = client.request(
                "POST",
                f"/cycles/{cycle_id}/vote/review",
                {"csrf_token": csrf.group(1), "p": chosen},
            )
            t2 = time.perf_counter()
            token, csrf = TOKEN_RE.search(page), CSRF_RE.search(page)
            if status != 200 or not token or not csrf:
                raise RuntimeError(f"review page: {status}")
            status, page, location = client.request(
                "POST",
                f"/cycles/{cycle_id}/vote/cast",
                {"csrf_token": csrf.group(1), "token": token.group(1)},
            )
            finished = time.perf_counter()
            if status != 200 or RECEIPT_MARK not in page:
                raise RuntimeError(f"cast: {status} to {location!r}")
            with run.lock:
                run.done.append((finished, finished - began))
                for step, value in (
                    ("ballot", t1 - began),
                    ("review", t2 - t1),
                    ("cast", finished - t2),
                ):
                    run.steps.setdefault(step, []).append(value)
        else:
            run.exhausted = True
            run.end_early()  # out of residents: the window closes here
        client.close()

    figures, run = _measure(name, server, clients, seconds, body, "casts/s")
    figures.extra["steps_ms"] = {
        step: {
            "p50": round(percentile(sorted(v), 50) * 1000, 2),
            "p99": round(percentile(sorted(v), 99) * 1000, 2),
        }
        for step, v in run.steps.items()
    }
    return figures


@dataclass(frozen=True)
class Reviewed:
    """A resident whose ballot is reviewed and ready to cast: their session cookie (holding the
    draft and the review's token) and the two values the cast form sends."""

    cookie: str
    csrf: str
    token: str


def review_ballots(
    server: Server, *, cycle_id: int, projects: list[int], cookies: list[str], clients: int
) -> list[Reviewed]:
    """Every resident opens the ballot page and reviews two projects, ``clients`` at a time, as
    the preparation of :func:`cast_requests` (not measured)."""
    out: list[Reviewed | None] = [None] * len(cookies)
    lock = threading.Lock()
    position = 0

    def worker() -> None:
        nonlocal position
        client = Client(server.port)
        while True:
            with lock:
                index = position
                position += 1
            if index >= len(cookies):
                break
            client.cookie = cookies[index]
            status, page, _ = client.request("GET", f"/cycles/{cycle_id}/vote")
            csrf = CSRF_RE.search(page)
            if status != 200 or not csrf:
                raise RuntimeError(f"ballot page: {status}")
            chosen = [projects[index % len(projects)], projects[(index + 2) % len(projects)]]
            status, page, _ = client.request(
                "POST",
                f"/cycles/{cycle_id}/vote/review",
                {"csrf_token": csrf.group(1), "p": chosen},
            )
            token, csrf = TOKEN_RE.search(page), CSRF_RE.search(page)
            if status != 200 or not token or not csrf:
                raise RuntimeError(f"review page: {status}")
            out[index] = Reviewed(client.cookie, csrf.group(1), token.group(1))
        client.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ready = [r for r in out if r is not None]
    if len(ready) != len(cookies):
        raise RuntimeError(f"{len(cookies) - len(ready)} ballots could not be reviewed")
    return ready


def wrk_posts(
    name: str,
    server: Server,
    path: str,
    reviewed: list[Reviewed],
    *,
    token: str | None,
    expect: str,
    once: bool,
    seconds: float,
    connections: int,
    unit: str,
    threads: int = 2,
) -> Figures:
    """The residents' POSTs to ``path`` from wrk (:data:`WRK_LINES_SCRIPT`): each with their own
    cookie, CSRF token and review token (or ``token`` for all). Only answers that redirect to
    ``expect`` count towards the throughput; any other answer is an error."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as lines:
        for ready in reviewed:
            form = {"csrf_token": ready.csrf, "token": token or ready.token}
            lines.write(f"{ready.cookie}\t{urllib.parse.urlencode(form)}\n")
    script = WRK_LINES_SCRIPT % {
        "path": path,
        "lines": lines.name,
        "expect": expect,
        "once": "true" if once else "false",
        "threads": threads,
    }
    try:
        data = _wrk(
            script, server.base + path, seconds=seconds, connections=connections,
            threads=threads, server_pid=server.process.pid,
        )  # fmt: skip
    finally:
        os.unlink(lines.name)
    figures = _wrk_figures(name, data, threads, connections, data["ok"])
    figures.errors += data["bad"]
    figures.unit = unit
    if data["ran_out"]:
        figures.extra["ran_out_of_residents"] = True
    return figures


def cast_requests(
    name: str,
    server: Server,
    *,
    cycle_id: int,
    reviewed: list[Reviewed],
    seconds: float,
    clients: int,
) -> Figures:
    """The cast request alone, by residents whose ballot is reviewed (:func:`review_ballots`):
    session, CSRF token, the review's token, validation of the ballot, and the participation
    and the sealed ballot written in one transaction; an answer holding the receipt is success
    (the receipt page, shown once, is the cast's own answer). Sent by wrk
    where it is installed (as baseline B is), else by the Python client. The window ends at the
    deadline or when a client runs out of residents."""
    if have_wrk():
        return wrk_posts(
            name, server, f"/cycles/{cycle_id}/vote/cast", reviewed, token=None,
            expect="body:" + RECEIPT_MARK, once=True, seconds=seconds,
            connections=clients, unit="casts/s",
        )  # fmt: skip
    per_client = [reviewed[i::clients] for i in range(clients)]

    def body(index: int, run: _Run) -> None:
        client = Client(server.port)
        for ready in per_client[index]:
            if time.perf_counter() >= run.deadline or run.stop.is_set():
                break
            client.cookie = ready.cookie
            began = time.perf_counter()
            status, page, location = client.request(
                "POST",
                f"/cycles/{cycle_id}/vote/cast",
                {"csrf_token": ready.csrf, "token": ready.token},
            )
            finished = time.perf_counter()
            if status != 200 or RECEIPT_MARK not in page:
                raise RuntimeError(f"cast: {status} to {location!r}")
            with run.lock:
                run.done.append((finished, finished - began))
        else:
            run.exhausted = True
            run.end_early()
        client.close()

    return _measure(name, server, clients, seconds, body, "casts/s")[0]


def logged_in_posts(
    name: str,
    server: Server,
    *,
    cycle_id: int,
    reviewed: list[Reviewed],
    seconds: float,
    clients: int,
) -> Figures:
    """Baseline C: the smallest logged-in POST, the cast form sent with a spent token. It pays
    what every cast pays before it votes (the session, the CSRF token, the user and the cycle
    read, a message written to the session and a redirect) and writes nothing to the database.
    Sent by wrk where it is installed, else by the Python client."""
    if have_wrk():
        return wrk_posts(
            name, server, f"/cycles/{cycle_id}/vote/cast", reviewed, token="spent",
            expect=f"/cycles/{cycle_id}/vote", once=False, seconds=seconds,
            connections=clients, unit="req/s",
        )  # fmt: skip
    per_client = [reviewed[i::clients] for i in range(clients)]

    def body(index: int, run: _Run) -> None:
        client = Client(server.port)
        mine = per_client[index]
        n = 0
        while time.perf_counter() < run.deadline and not run.stop.is_set():
            ready = mine[n % len(mine)]
            n += 1
            client.cookie = ready.cookie
            began = time.perf_counter()
            status, _, location = client.request(
                "POST",
                f"/cycles/{cycle_id}/vote/cast",
                {"csrf_token": ready.csrf, "token": "spent"},
            )
            finished = time.perf_counter()
            if status != 302 or not location.endswith(f"/cycles/{cycle_id}/vote"):
                raise RuntimeError(f"spent token: {status} to {location!r}")
            with run.lock:
                run.done.append((finished, finished - began))
        client.close()

    return _measure(name, server, clients, seconds, body, "req/s")[0]
