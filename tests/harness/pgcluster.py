"""A throwaway PostgreSQL 15 cluster for tests: initdb in a temp dir, wal_level=logical, removed afterwards.

When the tests run as root (CI does), the server runs as the unprivileged `postgres` OS user, because
PostgreSQL refuses to start as root.
"""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import psycopg

PG_BIN = "/usr/lib/postgresql/15/bin"

BASE_CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
wal_level = logical
max_replication_slots = 40
max_wal_senders = 40
max_connections = 200
fsync = off
synchronous_commit = on
full_page_writes = off
log_min_messages = warning
log_line_prefix = '%m [%p] '
"""


def _has_output_plugin_allowlist() -> bool:
    out = subprocess.run([f"{PG_BIN}/postgres", "--describe-config"], capture_output=True, text=True).stdout
    return any(line.startswith("output_plugin_libraries\t") for line in out.splitlines())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, extra_conf: str = ""):
        self.root = tempfile.mkdtemp(prefix="walcast-pg-")
        os.chmod(self.root, 0o755)
        self.datadir = os.path.join(self.root, "data")
        self.logfile = os.path.join(self.root, "server.log")
        self.port = free_port()
        self.host = "127.0.0.1"
        self.user = "postgres"
        self.extra_conf = extra_conf
        self._as_other_user = os.geteuid() == 0
        if self._as_other_user:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def _run(self, *args, check=True, **kw):
        cmd = list(args)
        if self._as_other_user:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)

    def init(self):
        self._run(f"{PG_BIN}/initdb", "-D", self.datadir, "-U", self.user, "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        with open(os.path.join(self.datadir, "postgresql.auto.conf"), "a") as f:
            f.write(BASE_CONF.format(port=self.port, socket_dir=self.root))
            if _has_output_plugin_allowlist():
                # This server build only lets listed libraries act as output plugins; walcast must be one.
                f.write("output_plugin_libraries = 'pgoutput, test_decoding, wal2json, walcast'\n")
            plugin_dir = os.environ.get("WALCAST_PLUGIN_DIR")
            if plugin_dir:
                # Load walcast.so from a build tree instead of the installed one (output plugins are found
                # through dynamic_library_path), so several checkouts can be tested side by side.
                f.write(f"dynamic_library_path = '{os.path.abspath(plugin_dir)}:$libdir'\n")
            f.write(self.extra_conf)
        return self

    def start(self):
        self._run(f"{PG_BIN}/pg_ctl", "-D", self.datadir, "-l", self.logfile, "-w", "-t", "60", "start")
        return self

    def stop(self, mode="fast"):
        self._run(f"{PG_BIN}/pg_ctl", "-D", self.datadir, "-m", mode, "-w", "stop", check=False)

    def restart(self):
        self._run(f"{PG_BIN}/pg_ctl", "-D", self.datadir, "-l", self.logfile, "-w", "-m", "fast", "restart")

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def conninfo(self, dbname: str = "postgres", **extra) -> str:
        parts = {"host": self.host, "port": str(self.port), "user": self.user, "dbname": dbname}
        parts.update({k: str(v) for k, v in extra.items()})
        return " ".join(f"{k}={v}" for k, v in parts.items())

    def connect(self, dbname: str = "postgres", autocommit: bool = True, **extra) -> psycopg.Connection:
        return psycopg.connect(self.conninfo(dbname, **extra), autocommit=autocommit)

    def create_database(self, name: str):
        with self.connect() as c:
            c.execute(f'CREATE DATABASE "{name}"')

    def drop_database(self, name: str):
        """Drops a test database with its replication slots. A database with a slot cannot be dropped, and a
        walsender may still hold a slot for a moment after its client exited, so it is ended first."""
        with self.connect() as c:
            deadline = time.monotonic() + 30
            while True:
                rows = c.execute("SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = %s",
                                 (name,)).fetchall()
                if not rows:
                    break
                for slot, pid in rows:
                    if pid:
                        c.execute("SELECT pg_terminate_backend(%s)", (pid,))
                    else:
                        c.execute("SELECT pg_drop_replication_slot(%s) FROM pg_replication_slots "
                                  "WHERE slot_name = %s AND NOT active", (slot, slot))
                assert time.monotonic() < deadline, f"slots of {name} still active: {rows}"
                time.sleep(0.05)  # polling the catalog: no event says a walsender has let go of its slot
            c.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

    def log_text(self) -> str:
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def crash_lines(self) -> list:
        """Lines that show a backend died abnormally: a crash of our plugin shows up here even if the
        postmaster recovered before the test noticed."""
        bad = ("terminated by signal", "was terminated by exception", "server process (PID")
        return [l for l in self.log_text().splitlines() if any(b in l for b in bad)]
