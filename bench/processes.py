"""The servers of a production site, started on this machine by the cluster run (bench/cluster.py)
and by the tests of the deployment (tests/coalition/test_scale_out.py): an S3-compatible server
(moto in server mode), nginx with the portal's own locations (deploy/nginx/coalition-locations.conf)
and gunicorn web nodes with the production configuration (deploy/gunicorn.conf.py).

Each runs in a process group of its own, logs to a file, and is stopped by its own process id.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
LOCATIONS = ROOT / "deploy" / "nginx" / "coalition-locations.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
# Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Credentials of the local S3-compatible server (it accepts any); never a real account's.
S3_ENV = {"AWS_ACCESS_KEY_ID": "local-test-key", "AWS_SECRET_ACCESS_KEY": "local-test-secret"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"{proc.args[:3]} did not open port {port}:\n" + log.read_text(errors="replace")[-3000:])


class Service:
    """A command in its own process group, its output in ``log``."""

    def __init__(self, args: list[str], log: Path, env: dict | None = None, cwd: Path = ROOT):
        self.args, self.log_path, self.env, self.cwd = args, log, env, cwd
        self.proc: subprocess.Popen | None = None

    def start(self):
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self.args, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, signum: int) -> None:
        if self.running:
            os.killpg(self.proc.pid, signum)

    def kill(self) -> None:
        """SIGKILL to the whole group: the process and its children die mid-flight."""
        if self.running:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited within ``timeout``; the exit code."""
        if self.running:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode if self.proc else None

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


class S3Server(Service):
    """moto's S3 in server mode on ``port``: a real HTTP server speaking the S3 protocol, holding
    its objects in its own memory (so they are gone when it stops)."""

    def __init__(self, workdir: Path, port: int | None = None, bucket: str = "coalition-media"):
        self.port, self.bucket = port or free_port(), bucket
        super().__init__([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                         workdir / "s3.log", env={**os.environ, **S3_ENV})

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        super().start()
        wait_for_port(self.port, self.proc, self.log_path)
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"])

    def object_names(self) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def portal_env(self) -> dict:
        """What a portal process needs to keep its uploaded files in this server's bucket."""
        return {"MEDIA_STORAGE_URL": f"s3://{self.bucket}?endpoint={self.endpoint}&region=us-east-1", **S3_ENV}


class WebNode(Service):
    """gunicorn with deploy/gunicorn.conf.py on ``port``."""

    def __init__(self, name: str, env: dict, workdir: Path, port: int | None = None, workers: int = 2):
        self.name, self.port = name, port or free_port()
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(workers),
               "GUNICORN_PROC_NAME": f"coalition-{name}"}
        super().__init__([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "coalition.wsgi:application"],
                         workdir / f"{name}.log", env=env)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0):
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                # as a proxy asks (in production anything else is redirected to https)
                request = urllib.request.Request(self.base + "/healthz", headers={"X-Forwarded-Proto": "https"})
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - local
                    if response.status == 200:
                        return self
            except (OSError, urllib.error.HTTPError):
                if not self.running:
                    break
                time.sleep(0.3)
        raise RuntimeError(f"web node {self.name} did not come up:\n{self.tail()}")


# Every request on one line: when it ended, how long it took, its status and which node(s) nginx
# tried with what answer; the cluster run attributes each 5xx with it.
LOG_FORMAT = ('$msec $request_time $status $request_method "$upstream_addr" "$upstream_status" '
              '"$request_uri"')


class Nginx(Service):
    """nginx in the foreground with the portal's locations, in front of ``nodes`` (host:port)."""

    def __init__(self, workdir: Path, nodes: list[str], static_root: Path, media_root: Path,
                 port: int | None = None):
        self.port, self.workdir = port or free_port(), workdir / "nginx"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.access_log = self.workdir / "access.log"
        self.conf = self.workdir / "nginx.conf"
        self.conf.write_text(self.config(nodes, static_root, media_root))
        super().__init__([NGINX, "-p", str(self.workdir), "-e", str(self.workdir / "error.log"), "-c",
                          str(self.conf), "-g", "daemon off;"], self.workdir / "nginx.log")

    def config(self, nodes, static_root, media_root) -> str:
        w = self.workdir
        temp = "\n".join(f"  {kind}_temp_path {w / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                          "scgi"))
        servers = "\n".join(f"    server {node} max_fails=1 fail_timeout=5s;" for node in nodes)
        # Running as root, nginx's workers would switch to nobody, who cannot read our temporary
        # directories; they stay root here (nothing but loopback is served).
        user = "user root;" if os.geteuid() == 0 else ""
        return f"""# written by bench/processes.py for a run on this machine
{user}
worker_processes 1;
pid {w / 'nginx.pid'};
events {{ worker_connections 1024; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format timing '{LOG_FORMAT}';
  access_log {self.access_log} timing;
{temp}
  upstream coalition_web {{
{servers}
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{self.port};
    server_name 127.0.0.1;
    # No TLS on this machine: the load plays a visitor whose TLS a terminator in front removed.
    set $coalition_proto https;
    set $coalition_hsts "";
    set $coalition_static {static_root};
    set $coalition_media {media_root};
    include {LOCATIONS};
  }}
}}
"""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def test_config(self) -> None:
        subprocess.run(self.args[:-2] + ["-t"], check=True, capture_output=True, timeout=30)

    def start(self):
        self.test_config()
        super().start()
        wait_for_port(self.port, self.proc, self.log_path)
        return self
