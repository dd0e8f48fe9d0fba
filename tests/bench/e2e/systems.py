"""The systems the end-to-end benchmark drives, each started on one database of a throwaway cluster:
walcast (plugin + gateway), @graphile/lds (wal2json, polled), and a NOTIFY trigger with a small listener.
Each exposes what the load generator needs: a WebSocket URL, the protocol spoken there, and the processes
whose CPU and memory are reported."""
import os
import socket
import subprocess
import time

from harness.gateway import Gateway
from harness.pgcluster import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.abspath(os.path.join(HERE, "..", "peers"))
NODE_MODULES = os.path.join(PEERS, "node_modules")
LDS_CLI = os.path.join(NODE_MODULES, "@graphile", "lds", "dist", "cli.js")

TABLE_SQL = """
CREATE TABLE IF NOT EXISTS bench (seq bigint PRIMARY KEY, sent_ns bigint NOT NULL, body text NOT NULL);
"""

NOTIFY_SQL = """
CREATE OR REPLACE FUNCTION bench_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('bench_changes', row_to_json(OLD)::text);
  ELSE
    PERFORM pg_notify('bench_changes', row_to_json(NEW)::text);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER bench_notify AFTER INSERT OR UPDATE OR DELETE ON bench FOR EACH ROW EXECUTE FUNCTION bench_notify();
"""


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {timeout}s")
        time.sleep(0.05)


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def peers_installed() -> str:
    """'' when the Node peers are installed (running `npm ci` in tests/bench/peers if needed), else why not."""
    if os.path.exists(LDS_CLI) and os.path.exists(os.path.join(NODE_MODULES, "ws")):
        return ""
    try:
        proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PEERS,
                              capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"npm ci in tests/bench/peers failed: {e}"
    if proc.returncode != 0 or not os.path.exists(LDS_CLI):
        return f"npm ci in tests/bench/peers failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}"
    return ""


class System:
    peer = "?"
    protocol = "phoenix"
    url = ""

    def __init__(self, ctx, pg, db):
        self.ctx, self.pg, self.db = ctx, pg, db

    def sql(self, text, params=None):
        with self.pg.connect(self.db) as c:
            return c.execute(text, params).fetchall() if text.lstrip().upper().startswith("SELECT") \
                else c.execute(text, params)

    def backend_pid(self, where, timeout=30):
        """pid of this database's backend matching `where` (an SQL condition; % must be written %%)."""
        return wait_until(lambda: (self.sql(f"SELECT pid FROM pg_stat_activity WHERE datname = %s AND {where}",
                                            (self.db,)) or [[None]])[0][0], timeout, "backend " + where)

    def watch(self) -> dict:
        """name -> pid of the processes whose CPU and RSS are reported."""
        return {}

    def truncate(self):
        self.sql("TRUNCATE bench")

    slot = None  # the system's replication slot, if it has one

    def caught_up(self, target_lsn) -> bool:
        if not self.slot:
            return True
        rows = self.sql("SELECT confirmed_flush_lsn >= %s::pg_lsn FROM pg_replication_slots WHERE slot_name = %s",
                        (target_lsn, self.slot))
        return bool(rows and rows[0][0])

    def let_go(self) -> bool:
        """True once the server holds no client of an earlier run (where it can tell)."""
        return True

    def wait_idle(self, timeout=90):
        """Waits until the system has consumed everything written so far (an overloaded peer may still be
        working through an earlier run's backlog) and let go of the last run's clients, so one run's leftovers
        do not land in the next. On timeout it logs and goes on."""
        target = self.sql("SELECT pg_current_wal_lsn()::text")[0][0]
        try:
            wait_until(lambda: self.caught_up(target) and self.let_go(), timeout, f"{self.peer} idle")
        except TimeoutError:
            self.ctx.log(f"{self.peer} still busy with earlier runs after {timeout} s; going on")

    def start(self):
        raise NotImplementedError

    def stop(self):
        pass


class Walcast(System):
    peer = "walcast"
    protocol = "phoenix"
    server_name, backend_name = "gateway", "walsender"
    p99_budget_ms = 10  # "latency has climbed" for the max-sustained-rate search

    def start(self):
        self.sql(TABLE_SQL)
        self.sql("CREATE PUBLICATION supabase_realtime FOR TABLE bench")
        self.gw = Gateway(self.pg, self.db, slot=self.slot, LOG_LEVEL="info", STATUS_INTERVAL_MS="1000")
        self.gw.start()
        self.url = f"ws://127.0.0.1:{self.gw.port}/socket/websocket?apikey=bench&vsn=2.0.0"
        return self

    slot = "walcast_bench"

    def let_go(self):
        try:
            status, body = self.gw.health()
            return status == 200 and body.get("clients") == 0
        except Exception:  # busy enough not to answer within the client's timeout
            return False

    def watch(self):
        walsender = self.backend_pid("backend_type = 'walsender'")
        return {"gateway": self.gw.proc.pid, "walsender": walsender}

    def server_pid(self):
        return self.gw.proc.pid

    def stop(self):
        if getattr(self, "gw", None):
            started = time.monotonic()
            try:
                self.gw.stop(timeout=60)
            except AssertionError:
                self.ctx.note(f"walcast-gateway did not exit within 60 s of SIGTERM (killed); see the findings.")
            took = time.monotonic() - started
            if took > 5:
                self.ctx.log(f"walcast-gateway took {took:.1f} s to stop")
            self.gw = None


class Lds(System):
    protocol = "lds"
    server_name, backend_name = "lds", "decoding_backend"

    def __init__(self, ctx, pg, db, wait_ms):
        super().__init__(ctx, pg, db)
        self.wait_ms = wait_ms
        self.peer = f"lds (LD_WAIT={wait_ms} ms)"
        # A change waits up to one pause plus one poll; twice the pause and 50 ms on top is "not climbing".
        self.p99_budget_ms = 2 * wait_ms + 50
        self.slot = "lds_bench"

    def start(self):
        self.sql(TABLE_SQL)
        self.port = free_port()
        env = dict(os.environ, LD_DATABASE_URL=f"postgres://{self.pg.user}@{self.pg.host}:{self.pg.port}/{self.db}",
                   LD_PORT=str(self.port), LD_HOST="127.0.0.1", LD_WAIT=str(self.wait_ms), LD_MAX_CLIENTS="2000",
                   LD_TABLE_PATTERN="public.bench", LD_SLOT_NAME="lds_bench")
        self.log_path = os.path.join(self.ctx.workdir, f"lds-{self.wait_ms}.log")
        self.log = open(self.log_path, "w")
        self.proc = self.ctx.spawn(["node", LDS_CLI], env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                                   stderr=subprocess.STDOUT)
        wait_until(lambda: port_open(self.port) or self._died(), 30, "lds listening")
        wait_until(lambda: self.sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = 'lds_bench'") or self._died(),
                   30, "lds slot")
        self.url = f"ws://127.0.0.1:{self.port}/"
        return self

    def _died(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"lds exited {self.proc.returncode}: " + open(self.log_path).read()[-1500:])
        return False

    def watch(self):
        return {"lds": self.proc.pid, "decoding_backend": self.backend_pid("query LIKE '%%pg_logical_slot_get_changes%%'")}

    def server_pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)
        self.log.close()
        with self.pg.connect(self.db) as c:
            wait_until(lambda: not c.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = 'lds_bench' "
                                             "AND active").fetchall(), 15, "lds slot released")
            c.execute("SELECT pg_drop_replication_slot('lds_bench')")


class Notify(System):
    peer = "NOTIFY trigger + listener"
    protocol = "raw"
    server_name, backend_name = "listener", "listen_backend"
    p99_budget_ms = 10

    def start(self):
        self.sql(TABLE_SQL)
        self.sql(NOTIFY_SQL)
        env = dict(os.environ, PGHOST=self.pg.host, PGPORT=str(self.pg.port), PGUSER=self.pg.user,
                   PGDATABASE=self.db, LISTEN_CHANNEL="bench_changes", PORT="0", NODE_PATH=NODE_MODULES)
        self.proc = self.ctx.spawn(["node", os.path.join(HERE, "notify_listener.js")], env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening "):
            raise RuntimeError(f"NOTIFY listener did not start ({self.proc.poll()}): {line}{self.proc.stderr.read()[-1500:]}")
        self.port = int(line.split()[1])
        self.url = f"ws://127.0.0.1:{self.port}/"
        return self

    def watch(self):
        return {"listener": self.proc.pid, "listen_backend": self.backend_pid("query LIKE 'LISTEN%%'")}

    def server_pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)
        self.sql("DROP TRIGGER IF EXISTS bench_notify ON bench")
