"""GET /api/v1/cases/{id} under 32 concurrent clients on PostgreSQL, with row-level security on and off.

Run it with `.venv/bin/python bench/cases.py` (`--people`, `--cases`, `--seconds`, `--clients`, `--workers`;
`--quick` for a small look). It makes a database of its own on the PostgreSQL server of
WHOLEPLACE_BENCH_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/test), migrates it, and loads 200,000
synthetic people and 50,000 cases (1 to 3 people, a plan action and an assessment each) in bulk across three
locality teams of one council (which also has a gateway team; three partners own plan actions), with a key
worker (and an API token) in each locality team. Then it serves the app with uvicorn on loopback twice, the same
way each time but for the role it connects as:

- row-level security **on**: a plain role made by `wholeplace db grant-app-role`, held to the policies;
- row-level security **off**: the superuser `postgres`, which PostgreSQL exempts from every policy.

Both servers stay up and are driven in turn (on, off, off, on: 4 slices of 5 s each by default), so drifting load
on a shared machine falls on both alike. 32 clients (threads, one keep-alive connection each) ask for random cases
of their own team as fast as they can; every answer must be 200. It prints requests, req/s, p50, p95 and p99 for
both, and the ratios. Each request is one access decision and one audit entry (the audit chain's head row is
locked by every writer), as in production.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wholeplace.audit import unit_of_work
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.db import make_engine, normalise_url, session_factory
from wholeplace.migrate import upgrade
from wholeplace.partners.model import Organisation, OrganisationKind, Team, TeamMember
from wholeplace.sharing.rls import grant_application_role

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("WHOLEPLACE_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "wholeplace_bench_cases"
APP_ROLE = "wholeplace_bench_app"
TEAMS = 3
PARTNER_KINDS = (OrganisationKind.POLICE_FORCE, OrganisationKind.NHS, OrganisationKind.VOLUNTARY_SECTOR)
console = Console(width=120)  # one line a row when piped to a file


@dataclass(frozen=True)
class Worker:
    token: str
    case_ids: list[int]


def database_url(user: str) -> str:
    return make_url(normalise_url(ADMIN_URL)).set(database=DATABASE, username=user).render_as_string(False)


def drop_database(create: bool) -> None:
    admin = create_engine(make_url(normalise_url(ADMIN_URL)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        if create:
            connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()


def load(people: int, cases: int, seed: int) -> list[Worker]:
    """A council (gateway and three locality teams) and three partners; people, cases, members, a plan action and an
    assessment a case, in bulk with COPY; one key worker (with an API token) per locality team."""
    engine = make_engine(database_url("postgres"))
    upgrade(engine)
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        council = Organisation(
            identifier="XX-BENCH-COUNCIL", name="Bench Borough Council", kind=OrganisationKind.UNITARY_AUTHORITY
        )
        session.add(council)
        session.flush()
        partners = [
            Organisation(identifier=f"XX-BENCH-{kind.name}", name=f"Bench {kind.label}", kind=kind)
            for kind in PARTNER_KINDS
        ]
        teams = [Team(organisation_id=council.id, name=f"Locality team {n + 1}") for n in range(TEAMS)]
        gateway = Team(organisation_id=council.id, name="Early help gateway", is_gateway=True)
        session.add_all([*partners, *teams, gateway])
        session.flush()
        users: list[User] = []
        for n, team in enumerate(teams):
            user = auth_service.create_user(
                session,
                Actor.console(),
                email=f"worker{n + 1}@bench.example",
                name=f"Bench worker {n + 1}",
                organisation_identifier=council.identifier,
                roles=[Role.KEY_WORKER],
                password="bench-password-2013",
            )
            session.add(TeamMember(team_id=team.id, user_id=user.id))
            users.append(user)
        session.flush()
        tokens = [auth_service.create_token(session, Actor.of(user), name="bench")[1] for user in users]
        council_id, team_ids = council.id, [team.id for team in teams]
        agency_ids = [council.id, *(partner.id for partner in partners)]
    rng = random.Random(seed)
    started = time.perf_counter()
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(
                "COPY people (pseudonym, given_name, family_name, other_names, date_of_birth, sex, address, postcode,"
                " telephone, email, organisation_id, created_at) FROM STDIN"
            ) as copy:
                for n in range(people):
                    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 25_000))
                    copy.write_row(
                        (
                            f"P-{n:08X}",
                            f"Given{n}",
                            f"Family{n % 5000}",
                            "",
                            born,
                            "female",
                            f"{n} Bench Street",
                            "CM1 1QH",
                            "",
                            "",
                            council_id,
                            dt.datetime.now(dt.UTC),
                        )
                    )
            with cursor.copy(
                "COPY cases (reference, kind, organisation_id, team_id, key_worker_id, status, closed_reason,"
                " opened_on, summary) FROM STDIN"
            ) as copy:
                for n in range(cases):
                    copy.write_row(
                        (
                            f"DA-B-{n:07d}",
                            "domestic abuse victim",
                            council_id,
                            team_ids[n % TEAMS],
                            users[n % TEAMS].id,
                            "open",
                            "",
                            dt.date(2026, 1, 1),
                            "Bench case",
                        )
                    )
            cursor.execute("SELECT min(id) FROM people")
            first_person = cursor.fetchone()[0]
            cursor.execute("SELECT id, team_id FROM cases ORDER BY id")
            by_case = cursor.fetchall()
            victims: list[int] = []
            with cursor.copy("COPY case_members (case_id, person_id, role) FROM STDIN") as copy:
                for case_id, _team in by_case:
                    chosen = rng.sample(range(people), rng.randint(1, 3))
                    victims.append(first_person + chosen[0])
                    for position, person in enumerate(chosen):
                        copy.write_row((case_id, first_person + person, "victim" if position == 0 else "child"))
            # One plan action and one assessment a case, so the case tables (and their policies) are not empty.
            now = dt.datetime.now(dt.UTC)
            with cursor.copy(
                "COPY plan_actions (case_id, agency_id, owner, description, due_on, status, created_by, created_at)"
                " FROM STDIN"
            ) as copy:
                for case_id, _team in by_case:
                    due = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 365))
                    copy.write_row(
                        (case_id, rng.choice(agency_ids), "Bench owner", "Bench action", due, "open", "bench", now)
                    )
            answers = json.dumps({str(n): "no" for n in range(1, 25)})
            with cursor.copy(
                "COPY assessments (case_id, person_id, checklist, checklist_version, answers, judgement_reason,"
                " yes_count, computed_level, level, marac, reasons, assessed_by, assessed_at) FROM STDIN"
            ) as copy:
                for (case_id, _team), victim in zip(by_case, victims, strict=True):
                    copy.write_row(
                        (
                            case_id,
                            victim,
                            "dash-ric",
                            "2009",
                            answers,
                            "",
                            0,
                            "standard",
                            "standard",
                            False,
                            "[]",
                            "bench",
                            now,
                        )
                    )
        connection.execute(text("ANALYZE"))
    console.print(f"Loaded {people:,} people and {cases:,} cases in {time.perf_counter() - started:.1f} s")
    with engine.begin() as connection:
        grant_application_role(connection, APP_ROLE)
    engine.dispose()
    return [Worker(tokens[n], [case_id for case_id, team in by_case if team == team_ids[n]]) for n in range(TEAMS)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(user: str, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "WHOLEPLACE_DATABASE_URL": database_url(user)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "wholeplace.web.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("uvicorn did not start within a minute")


def run_clients(port: int, crew: list[Worker], clients: int, seconds: float) -> tuple[list[float], int]:
    """Each client thread keeps one connection and asks for random cases of its worker's team until time is up."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        nonlocal errors
        worker = crew[number % len(crew)]
        rng = random.Random(number)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {worker.token}"}
        mine, failed = [], 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            connection.request("GET", f"/api/v1/cases/{rng.choice(worker.case_ids)}", headers=headers)
            response = connection.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200 or not json.loads(body).get("reference"):
                failed += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def summary(latencies: list[float], errors: int, seconds: float) -> dict[str, float]:
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return {
        "requests": len(ordered),
        "errors": errors,
        "rps": len(ordered) / seconds,
        "p50": statistics.median(ordered) * 1000,
        "p95": percentile(95),
        "p99": percentile(99),
    }


def measure(crew: list[Worker], args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Both servers up at once, driven in turn: the machine's load drifts (it is shared), so each setting gets
    alternating slices of the time (on, off, off, on, ...) rather than one block each. An idle server costs nothing."""
    users = {"on": APP_ROLE, "off": "postgres"}
    servers = {key: serve(user, args.workers) for key, user in users.items()}
    latencies: dict[str, list[float]] = {key: [] for key in users}
    errors = dict.fromkeys(users, 0)
    try:
        for _server, port in servers.values():
            run_clients(port, crew, args.clients, min(3.0, args.seconds))  # warm up: connections, caches, plans
        for turn in range(args.rounds):
            for key in list(users) if turn % 2 == 0 else list(reversed(users)):
                found, failed = run_clients(servers[key][1], crew, args.clients, args.seconds / args.rounds)
                latencies[key].extend(found)
                errors[key] += failed
    finally:
        for server, _port in servers.values():
            server.terminate()
        for server, _port in servers.values():
            server.wait(timeout=30)
    return {key: summary(latencies[key], errors[key], args.seconds) for key in users}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4, help="slices each setting's time is cut into, in turn")
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DATABASE} afterwards")
    parser.add_argument("--quick", action="store_true", help="20,000 people, 5,000 cases, 5 seconds")
    args = parser.parse_args()
    if args.quick:
        args.people, args.cases, args.seconds = 20_000, 5_000, 5.0
    drop_database(create=True)
    crew = load(args.people, args.cases, args.seed)
    results = measure(crew, args)
    if not args.keep:  # about 100 MB at full size, on a server the tests share
        drop_database(create=False)
    table = Table(
        title=f"GET /api/v1/cases/{{id}}: {args.clients} clients, {args.workers} uvicorn workers, "
        f"{args.seconds:.0f} s each in {args.rounds} turns, {args.people:,} people, {args.cases:,} cases"
    )
    for column in ("row-level security", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="right" if column != "row-level security" else "left")
    labels = {"on": f"on (plain role {APP_ROLE})", "off": "off (superuser postgres bypasses it)"}
    for key, result in results.items():
        table.add_row(
            labels[key],
            f"{result['requests']:,.0f}",
            f"{result['errors']:,.0f}",
            f"{result['rps']:,.0f}",
            f"{result['p50']:.1f}",
            f"{result['p95']:.1f}",
            f"{result['p99']:.1f}",
        )
    console.print(table)
    on, off = results["on"], results["off"]
    cost = (off["rps"] - on["rps"]) / off["rps"] * 100
    console.print(
        f"Ratio on/off: p50 {on['p50'] / off['p50']:.2f}x, p99 {on['p99'] / off['p99']:.2f}x, "
        f"throughput {on['rps'] / off['rps']:.2f}x (row-level security costs {cost:.1f}% of throughput)"
    )
    console.print(
        f"Aims: p99 under 100 ms with row-level security: {'met' if on['p99'] < 100 else 'NOT met'}; "
        f"row-level security costs under 15%: {'met' if cost < 15 else 'NOT met'}"
    )
    if on["errors"] or off["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
