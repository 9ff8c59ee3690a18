"""`playerdesk run` as a real process: migrate, demo data, every role up, a crashed role restarted,
Ctrl-C stops everything with exit status 0."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

embedded_only = pytest.mark.skipif(
    bool(os.environ.get("PLAYERDESK_DATABASE_URL")),
    reason="`playerdesk run` is exercised in embedded mode (SQLite)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def embedded_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PLAYERDESK_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(PLAYERDESK_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **extra)
    return env


class Output:
    """Collects the lines a process prints, from a background thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.fresh: queue.Queue[str] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)
            self.fresh.put(line)

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        for line in list(self.lines):
            if match := regex.search(line):
                return match
        while time.monotonic() < deadline:
            try:
                line = self.fresh.get(timeout=0.5)
            except queue.Empty:
                continue
            if match := regex.search(line):
                return match
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.lines[-60:])}")

    def text(self) -> str:
        return "".join(self.lines)


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@embedded_only
def test_run_starts_every_role_restarts_a_crash_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = embedded_env(
        tmp_path / "data",
        PLAYERDESK_DEMO="1",
        PLAYERDESK_DEMO_CASES="12",
        PLAYERDESK_HTTP_PORT=str(port),
        PLAYERDESK_SMTP_PORT=str(free_port()),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "playerdesk.cli", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        status = 0
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = http_status(f"{base}/healthz")
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, output.text()
        assert http_status(f"{base}/help/") == 200
        output.wait_for(r"agent console\s+http://127\.0\.0\.1:\d+/desk/", 30)
        output.wait_for(r"alice\s+agent", 5)
        assert "demo data loaded: 12 cases" in output.text()
        assert (tmp_path / "data" / "playerdesk.sqlite3").exists()

        worker_pid = int(output.wait_for(r"worker started \(pid (\d+)\)", 10).group(1))
        os.kill(worker_pid, signal.SIGKILL)
        output.wait_for(rf"worker \(pid {worker_pid}\) stopped with signal SIGKILL; restarting", 15)
        restarted = output.wait_for(rf"worker started \(pid (?!{worker_pid}\))(\d+)\)", 15)
        new_pid = int(restarted.group(1))
        assert new_pid != worker_pid

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        output.thread.join(timeout=5)
        assert "all roles stopped" in output.text()
        with pytest.raises(ProcessLookupError):
            os.kill(new_pid, 0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_check_reports_a_missing_secret_key(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "playerdesk.cli", "check"],
        env=embedded_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "settings" in result.stdout and "PLAYERDESK_SECRET_KEY is required" in result.stdout
