"""The replicated server's files as ``python -m web.stack`` writes them, checked by the programs that read them."""

from __future__ import annotations

import configparser
import os
import subprocess
from pathlib import Path

from web import stack


def test_the_caddyfile_is_one_caddy_accepts(tmp_path):
    path = tmp_path / "Caddyfile"
    path.write_text(stack.caddyfile(8501, [40001, 40002], "khoa-bi-mat", tmp_path))
    done = subprocess.run([stack.caddy_binary(), "validate", "--adapter", "caddyfile", "--config", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Valid configuration" in done.stdout + done.stderr
    assert stack.upstreams_of(path.read_text()) == ["127.0.0.1:40001", "127.0.0.1:40002"]


def test_a_browser_stays_on_its_replica_by_the_proxys_own_cookie_not_its_address(tmp_path):
    written = stack.caddyfile(8501, [40001, 40002], "khoa-bi-mat", tmp_path)
    assert f"lb_policy cookie {stack.COOKIE} khoa-bi-mat" in written
    assert "ip_hash" not in written and "client_ip_hash" not in written
    assert "bind 127.0.0.1" in written


def test_supervisord_runs_one_writer_the_replicas_and_the_proxy(tmp_path):
    conf = configparser.RawConfigParser()
    conf.read_string(stack.supervisor_conf(tmp_path, [40001, 40002], "/py", "/caddy"))
    programs = {s.split(":", 1)[1]: conf[s] for s in conf.sections() if s.startswith("program:")}
    assert sorted(programs) == ["proxy", "replica1", "replica2", "writer"]
    assert programs["writer"]["command"] == "/py -m analytics writer"
    assert int(programs["writer"]["priority"]) < int(programs["replica1"]["priority"])
    assert "--server.port 40002" in programs["replica2"]["command"]
    assert programs["replica1"]["environment"] == 'BHXH_READ_SNAPSHOTS="1"'
    assert "environment" not in programs["writer"]
    assert all(p["autorestart"] == "true" and p["stopasgroup"] == "true" for p in programs.values())
    assert Path(conf["unix_http_server"]["file"]).parent == tmp_path


def test_replicas_default_to_one_per_core():
    assert stack.replicas_wanted(0) == os.cpu_count()
    assert stack.replicas_wanted(1) == 1
    assert stack.replicas_wanted(3) == 3
