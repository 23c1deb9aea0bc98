"""Find a PostgreSQL server for the tests, or start a throwaway one.

Order: TEST_DATABASE_URL; the server on 127.0.0.1:5432; a temporary cluster started from
the installed binaries (as the `postgres` user, since initdb refuses root). With CI set,
no PostgreSQL at all is a failure, never a skip."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def answers(url: str) -> bool:
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def _throwaway_cluster() -> Iterator[str]:
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        raise RuntimeError("no PostgreSQL server answers and no initdb is installed")
    bindir = os.path.dirname(binaries[-1])
    workdir = tempfile.mkdtemp(prefix="bookingsite-pg-")
    shutil.chown(workdir, "postgres", "postgres")
    datadir = os.path.join(workdir, "data")
    port = 55432
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            *as_postgres,
            f"{bindir}/initdb",
            "-A",
            "trust",
            "--no-sync",
            "-D",
            datadir,
            "-U",
            "postgres",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *as_postgres,
            f"{bindir}/pg_ctl",
            "-D",
            datadir,
            "-o",
            options,
            "-w",
            "-l",
            os.path.join(workdir, "log"),
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def server() -> Iterator[str]:
    """Yield the URL of a maintenance database on a running server."""
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL
    if answers(url):
        yield url
        return
    with _throwaway_cluster() as started:
        yield started


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    name = f"bookingsite_test_{uuid.uuid4().hex[:12]}"
    admin = _libpq(server_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
