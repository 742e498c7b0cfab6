"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a temporary directory on 127.0.0.1.

`make test` installs the server from the system packages when it is absent (scripts/ensure_postgres.sh);
this module only finds the binaries, starts a private cluster on a free port as a non-root user
(PostgreSQL refuses to run as root) and stops it. Nothing here touches a system cluster.

Without PostgreSQL binaries `start()` raises `Unavailable`, and the tests that need the server skip with
that reason (or fail when OMNILAKE_REQUIRE_POSTGRES=1, which `make test` sets once the server is
installed, so a broken setup is never silently skipped). OMNILAKE_TEST_POSTGRES_URL points the tests at an
existing server instead (a CI service container, say).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_USER = "omnilake-pg"  # created when the tests run as root and no 'postgres' user exists
DB_USER = "omnilake"


class Unavailable(RuntimeError):
    """PostgreSQL cannot be started here (the reason says why)."""


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl: $PATH, then the Debian/Ubuntu and RHEL locations."""
    on_path = shutil.which("pg_ctl"), shutil.which("initdb")
    if all(on_path):
        return Path(os.path.realpath(on_path[0])).parent
    candidates = glob.glob("/usr/lib/postgresql/*/bin") + glob.glob("/usr/pgsql-*/bin")

    def version(path: str) -> int:
        digits = "".join(ch for ch in Path(path).parent.name if ch.isdigit())
        return int(digits or 0)

    for path in sorted(candidates, key=version, reverse=True):
        if os.access(os.path.join(path, "initdb"), os.X_OK) and os.access(
            os.path.join(path, "pg_ctl"), os.X_OK
        ):
            return Path(path)
    return None


def _server_account() -> pwd.struct_passwd | None:
    """None when not root (the server runs as the current user); else the non-root account to use."""
    if os.geteuid() != 0:
        return None
    wanted = os.environ.get("OMNILAKE_PG_TEST_USER")
    for name in [wanted] if wanted else ["postgres", DEFAULT_USER]:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    name = wanted or DEFAULT_USER
    useradd = shutil.which("useradd")
    if useradd is None:
        raise Unavailable(
            f"running as root, no non-root account for PostgreSQL and no useradd to create {name!r}"
        )
    subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running throwaway cluster; `url` holds a random password (never print it)."""

    url: str
    port: int
    workdir: Path
    bindir: Path
    account: pwd.struct_passwd | None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return _as_account(self.account, self.workdir, list(args), check=check)

    def stop(self) -> None:
        try:
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.workdir / "data"),
                "-m",
                "fast",
                "-w",
                "stop",
                check=False,
            )
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _as_account(account: pwd.struct_passwd | None, cwd: Path, args: list[str], check: bool = True):
    kwargs: dict = {}
    if account is not None:
        kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "LC_ALL": "C", "TZ": "UTC"}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, check=check, timeout=120, **kwargs
    )


def _watchdog(account: pwd.struct_passwd | None, workdir: Path, bindir: Path) -> None:
    """Stop the cluster when this process dies without tearing down (killed, crashed): a detached shell
    polls for this process and runs `pg_ctl stop` once it is gone."""
    script = (
        f"while [ -d /proc/{os.getpid()} ]; do sleep 2; done; "
        f"'{bindir / 'pg_ctl'}' -D '{workdir / 'data'}' -m immediate stop >/dev/null 2>&1; rm -rf '{workdir}'"
    )
    kwargs: dict = {}
    if account is not None:
        kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    subprocess.Popen(
        ["/bin/sh", "-c", script],
        cwd="/",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        **kwargs,
    )


def start() -> Server:
    """initdb a cluster in a fresh temporary directory and start it on 127.0.0.1 (a free port)."""
    bindir = find_bindir()
    if bindir is None:
        raise Unavailable(
            "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin; "
            "`make test` installs them with apt-get when it runs as root"
        )
    account = _server_account()
    # Short path: the server's Unix socket lives in it (socket paths are limited to ~100 bytes).
    workdir = Path(tempfile.mkdtemp(prefix="omnilake-pg-", dir="/tmp"))
    password = secrets.token_urlsafe(18)
    try:
        pwfile = workdir / "pwfile"
        pwfile.write_text(password + "\n")
        if account is not None:
            for path in (workdir, pwfile):
                os.chown(path, account.pw_uid, account.pw_gid)
        _as_account(
            account,
            workdir,
            [
                str(bindir / "initdb"),
                "-D",
                str(workdir / "data"),
                "-U",
                DB_USER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )
        pwfile.unlink()
        last_error = ""
        for _ in range(3):  # the free port can be taken between choosing and binding it
            port = _free_port()
            options = f"-h 127.0.0.1 -p {port} -k {workdir} -c fsync=off -c full_page_writes=off"
            started = _as_account(
                account,
                workdir,
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(workdir / "data"),
                    "-l",
                    str(workdir / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ],
                check=False,
            )
            if started.returncode == 0:
                _watchdog(account, workdir, bindir)
                url = f"postgresql+psycopg://{DB_USER}:{password}@127.0.0.1:{port}/postgres"
                return Server(url=url, port=port, workdir=workdir, bindir=bindir, account=account)
            log = workdir / "server.log"
            last_error = (started.stderr or "") + (log.read_text()[-2000:] if log.exists() else "")
            time.sleep(0.5)
        raise RuntimeError(f"PostgreSQL did not start: {last_error}")
    except BaseException:
        if (workdir / "data" / "postmaster.pid").exists():
            stop = [str(bindir / "pg_ctl"), "-D", str(workdir / "data"), "-m", "immediate", "stop"]
            _as_account(account, workdir, stop, check=False)
        shutil.rmtree(workdir, ignore_errors=True)
        raise
