"""The HTTP side: health, metrics, routing errors."""
import json


def test_health_reports_replication_and_clients(gateway):
    status, health = gateway.health()
    assert status == 200
    assert health["replication"]["connected"] is True
    assert health["replication"]["slot"] == gateway.slot
    for key in ("received_lsn", "confirmed_lsn", "lag_bytes"):
        assert key in health["replication"]
    assert health["clients"] == 0


def test_metrics_in_prometheus_text_format(gateway):
    status, body = gateway.http_get("/metrics")
    assert status == 200
    for name in ("walcast_changes_received_total", "walcast_changes_dispatched_total", "walcast_messages_sent_total",
                 "walcast_bytes_sent_total", "walcast_clients", "walcast_channels",
                 "walcast_slow_client_closes_total", "walcast_replication_reconnects_total",
                 "walcast_replication_lag_bytes"):
        assert f"\n{name} " in "\n" + body, name
        assert f"# TYPE {name} " in body, name


def test_unknown_path_is_404_json(gateway):
    status, body = gateway.http_get("/nope")
    assert status == 404
    assert "error" in json.loads(body)


def test_health_is_503_when_the_database_is_unreachable(make_gateway):
    gw = make_gateway(DB_PORT="1")  # nothing listens there
    gw.start(wait_replication=False)
    status, health = gw.health()
    assert status == 503
    assert health["replication"]["connected"] is False
    gw.log.wait_for(r"(?i)error.*replication|replication.*(fail|error)")


def test_help_and_bad_configuration(tmp_path):
    import subprocess
    from harness.gateway import GATEWAY_BIN
    out = subprocess.run([GATEWAY_BIN, "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    assert "PUBLICATION" in out.stdout and "supabase_realtime" in out.stdout
    bad = subprocess.run([GATEWAY_BIN], capture_output=True, text=True, timeout=10, env={"PORT": "notaport"})
    assert bad.returncode != 0
    assert "PORT: must be a port number" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
