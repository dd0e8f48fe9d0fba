"""Benchmark 4 (issue 11): what authorization costs. See DESCRIPTION."""
import os
import time

import jwt

import loadgen
from harness.gateway import Gateway

TITLE = "Authorization cost: joins and broadcasts, auth off vs on"
DESCRIPTION = """\
Two gateways on one database run side by side: one with auth off, one with `JWT_SECRET` set (HS256 tokens,
`JWT_LEEWAY_SECONDS` at its default). The database has `CREATE EXTENSION walcast`, the role `authenticated` and
the README's per-user policies on `walcast.messages`: SELECT where `walcast.topic() = 'room:' || claims->>'sub'`,
INSERT for broadcasts on the same condition. Both gateways get `MAX_JOINS_PER_SECOND` and
`MAX_EVENTS_PER_SECOND` raised to 1,000,000 and `LOG_LEVEL=info`, so the per-connection rate limiters never act.
Every connection carries an anon-role JWT as `?apikey=` (verified at the upgrade when auth is on).
Three configurations, in a rotating order within each repetition:
**auth off** (public channels, no access_token), **walcast auth on, public** (`private:false`, each join carries
an access_token that is verified) and **walcast auth on, private** (`private:true`: the token is verified and
`walcast.check_access` runs the policies, one query per (role, claims, topic) until its answer is cached).

- **Joins** (`walcast-loadgen joins`): N connections each join C channels at once (pipelined, as realtime-js
  does when several channels subscribe); every join has its own topic `room:<sub>` and its own token with that
  `sub`, minted fresh each repetition, so **first joins** find the authorization cache cold (one
  `walcast.check_access` query per private join) and the **rejoins** that follow (leave all, join all again,
  several rounds) find it warm. A round lasts from the first join sent to the last reply; joins/s is the joins
  answered over that time (rejoins: over all rejoin rounds). Upgrades/s is the WebSocket upgrades (apikey
  included) over the time to open all N connections.
- **Broadcast** (`walcast-loadgen broadcast`): M subscribers and one sender join the topic `room:fanout` (tokens
  with `sub: fanout`); the sender writes K broadcasts as fast as its socket takes them (no ack, no self);
  deliveries/s is what all subscribers received over the time from the first send to the last arrival. Probe
  broadcasts first confirm every subscriber hears the sender (a private channel's read and write rights were
  decided at its join), so what is timed is the per-message path once joined.

Gateway CPU per join / per delivery is the gateway's CPU time over the window divided by the joins answered /
messages delivered. The load generator's CPU is shown so it can be seen not to be the limit (100 % = one core;
the gateway, Postgres and the load generator share 2 cores). In this section the last column compares auth on
with auth off (>1 = auth on is faster or cheaper): it is the overhead of auth, not a comparison with another
system."""

BENCH = "auth"
SECRET = "walcast-bench-auth-secret-0123456789abcdef"
OFF = "auth off"
PUBLIC = "walcast auth on, public"
PRIVATE = "walcast auth on, private"
PAYLOAD = ('{"config":{"broadcast":{"self":false},"presence":{"enabled":false},"postgres_changes":[],'
           '"private":%s}}')
RAISED_LIMITS = {"MAX_JOINS_PER_SECOND": "1000000", "MAX_EVENTS_PER_SECOND": "1000000", "LOG_LEVEL": "info"}


def token(role, sub=None):
    now = int(time.time())
    claims = {"role": role, "iat": now, "exp": now + 3600}
    if sub is not None:
        claims["sub"] = sub
    return jwt.encode(claims, SECRET, algorithm="HS256")


def prepare_database(pg, db):
    pg.create_database(db)
    with pg.connect(db) as c:
        for role in ("authenticated", "anon"):
            c.execute(f"DO $$ BEGIN CREATE ROLE {role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        c.execute("CREATE EXTENSION IF NOT EXISTS walcast")
        c.execute("""CREATE POLICY read_own_room ON walcast.messages FOR SELECT TO authenticated
                     USING (walcast.topic() = 'room:' || (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'))""")
        c.execute("""CREATE POLICY send_own_room ON walcast.messages FOR INSERT TO authenticated
                     WITH CHECK (walcast.topic() = 'room:' || (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')
                                 AND extension = 'broadcast')""")
        # The gateway streams a publication at start; nothing is written to it here.
        c.execute("CREATE TABLE bench (id bigint PRIMARY KEY)")
        c.execute("CREATE PUBLICATION supabase_realtime FOR TABLE bench")


def configurations(off, on):
    """(peer, gateway, private) in the order each repetition runs them."""
    return [(OFF, off, False), (PUBLIC, on, False), (PRIVATE, on, True)]


def url(gw, apikey):
    return f"{gw.ws_url}?apikey={apikey}&vsn=2.0.0"


def write_lines(ctx, name, lines):
    path = os.path.join(ctx.workdir, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def cpu(report, name):
    return report["processes"].get(name, {}).get("run_seconds")


def run_joins(ctx, gw, apikey, private, subs, clients, channels, rounds):
    tokens = [token("authenticated", s) for s in subs]
    joins = write_lines(ctx, "joins.tsv", [f"room:{s}\t{t}" for s, t in zip(subs, tokens)])
    r = loadgen.run_json("joins", timeout=300, url=url(gw, apikey), clients=clients, channels=channels, rounds=rounds,
                         joins_file=joins, join_payload=PAYLOAD % ("true" if private else "false"),
                         watch=f"gateway={gw.proc.pid}", phase_timeout_s=60)
    bad = [x for x in r["round_reports"] if x["refused"] or not x["complete"]]
    if not r["complete"] or r["lost"] or bad or r["connect"]["failed"] or len(r["round_reports"]) != rounds:
        raise RuntimeError(f"joins run failed: {r.get('first_error')!r}; connect {r['connect']}, "
                           f"lost {r['lost']}, rounds {r['round_reports']}")
    return r


def joins_figures(r):
    """{measure key: value} from one joins report."""
    first, again = r["round_reports"][0], r["round_reports"][1:]
    again_joins = sum(x["ok"] for x in again)
    again_seconds = sum(x["seconds"] for x in again)
    per = lambda rounds, name: sum(cpu(x, name) or 0 for x in rounds)
    seconds = lambda rounds: sum(x["seconds"] for x in rounds)
    return {
        "upgrades/s": r["connect"]["per_s"],
        "first joins/s": first["joins_per_s"],
        "rejoins/s": again_joins / again_seconds,
        "first gateway µs/join": per([first], "gateway") * 1e6 / first["ok"],
        "rejoin gateway µs/join": per(again, "gateway") * 1e6 / again_joins,
        "first loadgen %": 100 * per([first], "loadgen") / first["seconds"],
        "rejoin loadgen %": 100 * per(again, "loadgen") / seconds(again),
    }


def run_broadcast(ctx, gw, apikey, private, subscribers, messages):
    tokens = write_lines(ctx, "tokens.txt", [token("authenticated", "fanout") for _ in range(subscribers)])
    r = loadgen.run_json("broadcast", timeout=300, url=url(gw, apikey), clients=subscribers, messages=messages,
                         topic="room:fanout", join_payload=PAYLOAD % ("true" if private else "false"),
                         tokens_file=tokens, sender_token=token("authenticated", "fanout"),
                         watch=f"gateway={gw.proc.pid}", drain_seconds=3)
    if r.get("error") or r["delivered"]["lost"] or r["pool"]["closed"]:
        raise RuntimeError(f"broadcast run failed: {r.get('error')!r}, delivered {r.get('delivered')}, "
                           f"pool {r.get('pool')}")
    d = r["delivered"]
    return {
        "deliveries/s": d["messages_per_s"],
        "gateway µs/delivery": cpu(r, "gateway") * 1e6 / d["received"],
        "loadgen %": 100 * cpu(r, "loadgen") / d["seconds"],
    }


def run(ctx):
    reps = ctx.reps(5)
    clients, channels = ctx.size(20, 200), 5
    rounds = ctx.size(3, 11)  # the first join, then rejoins
    subscribers, messages = ctx.size(10, 100), ctx.size(300, 8000)
    apikey = token("anon")
    joins = {peer: [] for peer in (OFF, PUBLIC, PRIVATE)}
    casts = {peer: [] for peer in (OFF, PUBLIC, PRIVATE)}
    with open("/proc/loadavg") as f:
        ctx.note(f"Load average when this benchmark started: {' '.join(f.read().split()[:3])} (2 cores; the "
                 f"gateways, Postgres and the load generator share them).")

    with ctx.cluster() as pg:
        db = "auth_bench"
        prepare_database(pg, db)
        off = Gateway(pg, db, slot="walcast_auth_off", **RAISED_LIMITS)
        on = Gateway(pg, db, slot="walcast_auth_on", JWT_SECRET=SECRET, **RAISED_LIMITS)
        try:
            off.start()
            on.start()
            for rep in range(reps):
                order = configurations(off, on)
                order = order[rep % 3:] + order[:rep % 3]  # machine drift spreads over the configurations
                for peer, gw, private in order:
                    # Fresh subs (so fresh topics and tokens) each run: the first joins find the cache cold.
                    subs = [f"r{rep}-{peer[-7:].strip(', ')}-{k}" for k in range(clients * channels)]
                    r = run_joins(ctx, gw, apikey, private, subs, clients, channels, rounds)
                    f = joins_figures(r)
                    joins[peer].append(f)
                    ctx.log(f"rep {rep} {peer}: joins " + ", ".join(f"{k} {v:.0f}" for k, v in f.items()))
                for peer, gw, private in order:
                    f = run_broadcast(ctx, gw, apikey, private, subscribers, messages)
                    casts[peer].append(f)
                    ctx.log(f"rep {rep} {peer}: broadcast " + ", ".join(f"{k} {v:.1f}" for k, v in f.items()))
        finally:
            for gw in (off, on):
                gw.stop(timeout=30)

    record(ctx, joins, casts, clients, channels, rounds, subscribers, messages)


def record(ctx, joins, casts, clients, channels, rounds, subscribers, messages):
    total = clients * channels
    first = f"{total:,} first joins ({clients} connections × {channels} channels, cache cold)"
    again = f"{total * (rounds - 1):,} rejoins ({rounds - 1} rounds of {total:,}, cache warm)"
    upgrades = f"{clients} WebSocket upgrades with an apikey"
    fan = f"{subscribers} subscribers × {messages:,} broadcasts from one sender"
    rows = [
        (upgrades, "upgrades/s", joins, "upgrades/s", "upgrades/s", False),
        (first, "joins/s", joins, "first joins/s", "joins/s", False),
        (first, "gateway CPU per join", joins, "first gateway µs/join", "µs", True),
        (first, "load generator CPU", joins, "first loadgen %", "% of a core", True),
        (again, "joins/s", joins, "rejoins/s", "joins/s", False),
        (again, "gateway CPU per join", joins, "rejoin gateway µs/join", "µs", True),
        (again, "load generator CPU", joins, "rejoin loadgen %", "% of a core", True),
        (fan, "deliveries/s", casts, "deliveries/s", "msg/s", False),
        (fan, "gateway CPU per delivery", casts, "gateway µs/delivery", "µs", True),
        (fan, "load generator CPU", casts, "loadgen %", "% of a core", True),
    ]
    for scenario, measure, table, key, unit, lower in rows:
        for peer in (OFF, PUBLIC, PRIVATE):
            ctx.record(BENCH, scenario, measure, peer, [f[key] for f in table[peer]], unit, lower_is_better=lower)
    median = lambda xs: sorted(xs)[len(xs) // 2]
    for label, table, key in (("first joins/s", joins, "first joins/s"), ("rejoins/s", joins, "rejoins/s"),
                              ("broadcast deliveries/s", casts, "deliveries/s")):
        base = median([f[key] for f in table[OFF]])
        parts = [f"{peer[len('walcast '):]} {median([f[key] for f in table[peer]]) / base:.2f}"
                 for peer in (PUBLIC, PRIVATE)]
        ctx.note(f"- **{label}, on / off**: " + "; ".join(parts) + f" (auth off: {base:,.0f}/s).")
