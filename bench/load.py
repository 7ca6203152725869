"""Load on loopback: the demo served by uvicorn workers on PostgreSQL, under 16, 32 and 64 signed-in users.

```sh
.venv/bin/python bench/load.py                       # 16, 32, 64 users, 30 s each, 4 workers
.venv/bin/python bench/load.py --users 32 --seconds 10 --workers 2
```

It makes a fresh PostgreSQL database (`wholeplace_load`, on the server of WHOLEPLACE_TEST_DATABASE_URL,
default 127.0.0.1:5432), loads the demo with `wholeplace demo load`, and starts `uvicorn` with several
workers on a free port of 127.0.0.1.

Each simulated user is an asyncio task with its own cookies. Users arrive two a second, each signing in
through the sign-in form (CSRF token and all) as one of the demo's people, and starts work at once; what is
asked while others are still arriving is tallied as "arriving", and once all are in, the measured window opens.
Each, with a pause of 0.5 to 1.5 s between pages as a person reading them would take, opens a mix of pages
chosen by weight: a fund statement, the decisions list and a decision, a business
case's results, and, for caseworkers, their case list, a case and (the gateway team) the gateway. One visit in 50
signs in again. Pages are found by following the links the lists show.

At each level it prints the requests made, throughput, p50, p95 and p99 latency and errors (any response other
than 200 or 303, or a failed connection); the same for the pages alone, since signing in is slow by design
(argon2id takes about a third of a second of a core to verify a password); and the peer: the same users asking
`/healthz` (the process alone, no database) for the same time, so the mix's p99 is read against what the server
and client cost without the application's work. The aim (issue 18): 0 errors at 32 users, p99 under 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx2
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get("WHOLEPLACE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "wholeplace_load"
AIM_P99_MS = 250.0
ARRIVALS_PER_SECOND = 2  # a morning's sign-ins, bunched: 7,200 an hour

# Who signs in: the demo's finance, programme and decision-making people, and its caseworkers.
MONEY_PEOPLE = [
    ("finance@demo.wholeplace.test", "finance-demo-2013"),
    ("programme@demo.wholeplace.test", "programme-demo-2013"),
    ("decision.maker@demo.wholeplace.test", "decision_maker-demo-2013"),
    ("viewer@demo.wholeplace.test", "viewer-demo-2013"),
]
CASEWORKERS = [
    ("north.key.worker@demo.wholeplace.test", "casework-demo-2013"),
    ("mid.key.worker@demo.wholeplace.test", "casework-demo-2013"),
    ("south.key.worker@demo.wholeplace.test", "casework-demo-2013"),
    ("gateway.worker@demo.wholeplace.test", "casework-demo-2013"),
]
# (page kind, weight): what a visit opens, for people working on money and for caseworkers.
MONEY_MIX = [("fund", 30), ("decisions", 15), ("decision", 25), ("business_case", 30)]
CASE_MIX = [("cases", 30), ("case", 55), ("fund", 15)]
GATEWAY_MIX = [("gateway", 40), ("cases", 20), ("case", 25), ("fund", 15)]  # the gateway team screens referrals
LINKS = {
    "fund": re.compile(r'href="(/funds/\d+)"'),
    "decision": re.compile(r'href="(/decisions/\d+)"'),
    "business_case": re.compile(r'href="(/business-cases/\d+)"'),
    "case": re.compile(r'href="(/cases/\d+)"'),
}
LISTS = {"fund": "/funds", "decision": "/decisions", "business_case": "/business-cases", "case": "/cases"}
FIXED = {"decisions": "/decisions", "cases": "/cases", "gateway": "/cases/gateway"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def slowest(self) -> str:
        """Each kind of page by its p99, slowest first: where to look when the mix misses its aim."""
        p99s = {kind: percentile(times, 99) for kind, times in self.by_kind.items() if len(times) >= 2}
        return ", ".join(f"{kind} {ms:.0f}" for kind, ms in sorted(p99s.items(), key=lambda item: -item[1]))

    def line(self, label: str, users: int, seconds: float) -> str:
        made = len(self.latencies_ms) + len(self.errors)
        if not self.latencies_ms:
            return f"{label:<9} {users:>5} {made:>8} {'-':>8} {'-':>8} {'-':>8} {'-':>8} {len(self.errors):>7}"
        p50, p95, p99 = (percentile(self.latencies_ms, cut) for cut in (50, 95, 99))
        return (
            f"{label:<9} {users:>5} {made:>8} {made / seconds:>8.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} "
            f"{len(self.errors):>7}"
        )


def ramp_seconds(users: int) -> float:
    """How long people take to arrive, and 2 s for the last to finish signing in."""
    return users / ARRIVALS_PER_SECOND + 2


def percentile(times: list[float], cut: int) -> float:
    return statistics.quantiles(sorted(times), n=100, method="inclusive")[cut - 1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_database() -> str:
    """An empty database of our own on the test server, dropped first if a run left one."""
    admin_url = make_url(ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return admin_url.set(database=DATABASE).render_as_string(hide_password=False)


def start_server(environment: dict[str, str], port: int, workers: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "wholeplace.web.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-keep-alive",
            "75",  # as a load balancer in front keeps its connections; uvicorn's own default is 5 s
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,  # the app's JSON lines, and the traceback of any error, for looking into one
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return server
        except httpx2.HTTPError:
            pass
        time.sleep(0.5)
    server.kill()
    raise SystemExit("The server did not become ready within 60 s")


class User:
    """One person at a browser: their cookies, the pages they have found, and what they do next."""

    def __init__(self, base: str, who: tuple[str, str], mix: list[tuple[str, int]], rng: random.Random) -> None:
        self.client = httpx2.AsyncClient(base_url=base, timeout=30, follow_redirects=False)
        self.who, self.mix, self.rng = who, mix, rng
        self.found: dict[str, list[str]] = {}

    async def timed(
        self, tally: Tally, method: str, path: str, kind: str = "sign-in", **kwargs: object
    ) -> httpx2.Response | None:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx2.HTTPError as error:
            tally.errors.append(f"{method} {path}: {type(error).__name__}")
            return None
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code not in (200, 303):
            tally.errors.append(f"{method} {path}: {response.status_code}")
            return response
        tally.latencies_ms.append(elapsed)
        tally.by_kind.setdefault(kind, []).append(elapsed)
        return response

    async def sign_in(self, tally: Tally) -> None:
        self.client.cookies.clear()
        form = await self.timed(tally, "GET", "/sign-in")
        token = CSRF.search(form.text) if form is not None else None
        if token is None:
            tally.errors.append("GET /sign-in: no form")
            return
        email, password = self.who
        data = {"csrf_token": token.group(1), "next": "/", "email": email, "password": password}
        await self.timed(tally, "POST", "/sign-in", data=data)

    async def page(self, tally: Tally, kind: str) -> str:
        if kind in FIXED:
            return FIXED[kind]
        if kind not in self.found:
            listing = await self.timed(tally, "GET", LISTS[kind], "list")
            links = LINKS[kind].findall(listing.text) if listing is not None else []
            self.found[kind] = sorted(set(links)) or [LISTS[kind]]
        return self.rng.choice(self.found[kind])

    async def work(self, arrivals: Tally, tally: Tally, arrive: float, start: float, until: float) -> None:
        """Sign in on arrival and go straight to work, as people do; what is asked once all are in is measured, and
        what was asked before that is tallied as arriving."""
        await asyncio.sleep(max(0.0, arrive - time.monotonic()))
        await self.sign_in(arrivals)
        kinds, weights = zip(*self.mix, strict=True)
        while time.monotonic() < until:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5))
            now = arrivals if time.monotonic() < start else tally
            if self.rng.random() < 1 / 50:
                await self.sign_in(now)
                continue
            kind = self.rng.choices(kinds, weights)[0]
            await self.timed(now, "GET", await self.page(now, kind), kind)

    async def probe(self, tally: Tally, until: float) -> None:
        while time.monotonic() < until:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5))
            await self.timed(tally, "GET", "/healthz", "healthz")


async def level(base: str, users: int, seconds: float, seed: int, *, peer: bool) -> tuple[Tally, Tally]:
    """(what people ask as they arrive, two a second, and sign in; what all ask in the window after), or the
    peer's window."""
    rng = random.Random(seed)
    arrivals, tally = Tally(), Tally()
    crowd = []
    for n in range(users):
        caseworker = n % 4 == 3  # a quarter of the users work on cases
        who = rng.choice(CASEWORKERS if caseworker else MONEY_PEOPLE)
        mix = (GATEWAY_MIX if who[0].startswith("gateway.") else CASE_MIX) if caseworker else MONEY_MIX
        crowd.append(User(base, who, mix, random.Random(rng.random())))
    now = time.monotonic()
    ramp = 0.0 if peer else ramp_seconds(users)
    start, until = now + ramp, now + ramp + seconds
    try:
        await asyncio.gather(
            *(
                user.probe(tally, until)
                if peer
                else user.work(arrivals, tally, now + n / ARRIVALS_PER_SECOND, start, until)
                for n, user in enumerate(crowd)
            )
        )
    finally:
        await asyncio.gather(*(user.client.aclose() for user in crowd))
    return arrivals, tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each level runs")
    parser.add_argument("--workers", type=int, default=4, help="uvicorn worker processes")
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    arguments = parser.parse_args()

    url = fresh_database()
    environment = {**os.environ, "WHOLEPLACE_DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run([str(BIN / "wholeplace"), "demo", "load"], cwd=ROOT, env=environment, check=True)
    print(f"demo loaded into PostgreSQL in {time.perf_counter() - started:.1f} s")
    port = free_port()
    server_log = (Path(tempfile.gettempdir()) / "wholeplace-load-server.log").open("wb")
    server = start_server(environment, port, arguments.workers, server_log)
    base = f"http://127.0.0.1:{port}"
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"uvicorn x {arguments.workers} workers, PostgreSQL on loopback; {arguments.seconds:.0f} s per level"
    )
    print(f"{'':<9} {'users':>5} {'requests':>8} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    failed = False
    try:
        asyncio.run(level(base, 4, 5, arguments.seed, peer=False))  # warm the workers' pools and caches
        for users in arguments.users:
            arrivals, mix = asyncio.run(level(base, users, arguments.seconds, arguments.seed + users, peer=False))
            print(arrivals.line("arriving", users, ramp_seconds(users)))
            print(mix.line("the mix", users, arguments.seconds))
            pages = Tally([ms for kind, times in mix.by_kind.items() if kind != "sign-in" for ms in times], mix.errors)
            print(pages.line("pages", users, arguments.seconds))
            floor = asyncio.run(level(base, users, arguments.seconds, arguments.seed + users, peer=True))[1]
            print(floor.line("/healthz", users, arguments.seconds))
            if mix.latencies_ms and floor.latencies_ms:
                ratio = percentile(mix.latencies_ms, 99) / percentile(floor.latencies_ms, 99)
                print(f"{'':<9} p99 of the mix is {ratio:.1f}x that of /healthz; p99 ms by page: {mix.slowest()}")
            for error in sorted(set(mix.errors))[:10]:
                print(f"{'':<9} error: {error}")
            if users == 32 and (
                arrivals.errors or mix.errors or not mix.latencies_ms or percentile(mix.latencies_ms, 99) >= AIM_P99_MS
            ):
                failed = True
    finally:
        server.terminate()
        server.wait(timeout=30)
        server_log.close()
        print(f"the server's log: {server_log.name}")
        if not arguments.keep:
            admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            admin.dispose()
    if failed:
        raise SystemExit(f"At 32 users the aim is 0 errors and p99 under {AIM_P99_MS:.0f} ms")


if __name__ == "__main__":
    main()
