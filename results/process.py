"""Run one command with a deadline, streaming its merged output line by line.

kselftest forks a child per test and that child calls setpgrp(), so killing
the binary's process group is not enough: we start the binary in a new
session and, when it ends or times out, SIGKILL every process still in that
session. Only a process that calls setsid() itself can escape.
"""
import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass

DRAIN_GRACE_S = 2.0     # how long to wait for EOF once the session is dead


@dataclass
class Ending:
    """How a binary stopped."""
    kind: str                   # "exit", "signal", "timeout" or "spawn"
    code: int | None = None     # exit status or signal number
    timeout_s: float | None = None
    detail: str = ""            # why it could not be started

    def describe(self) -> str:
        if self.kind == "exit":
            return f"exited with status {self.code}"
        if self.kind == "signal":
            return f"killed by signal {self.code} ({signal_name(self.code)})"
        if self.kind == "timeout":
            return f"killed at its {self.timeout_s:g} s timeout"
        return f"could not be started: {self.detail}"

    @property
    def normal(self) -> bool:
        """kselftest exits 0 (pass), 1 (fail) or 4 (all skipped)."""
        return self.kind == "exit" and self.code in (0, 1, 4)


def signal_name(number: int | None) -> str:
    try:
        return signal.Signals(number).name
    except (TypeError, ValueError):
        return "unknown signal"


def session_members(sid: int) -> list[int]:
    """Live (non-zombie) processes whose session id is `sid`."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue                    # it exited while we looked
        state, session = fields[0], int(fields[3])
        if session == sid and state not in ("Z", "X"):
            members.append(int(entry))
    return members


def kill_session(sid: int, attempts: int = 50) -> None:
    """SIGKILL the session until nothing in it is alive (children may fork)."""
    for _ in range(attempts):
        members = session_members(sid)
        if not members:
            return
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)


def run_streaming(argv, timeout_s: float, on_line, env=None) -> Ending:
    """Run argv; call on_line(raw_bytes_line, monotonic_time) per line."""
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                start_new_session=True, env=env)
    except OSError as err:
        return Ending("spawn", detail=err.strerror or str(err))
    with proc:
        try:
            timed_out = stream_until_done(proc, timeout_s, on_line)
        except BaseException:           # e.g. Ctrl-C: leave nothing running
            if proc.returncode is None:     # pid not yet reaped, so not reused
                kill_session(proc.pid)
            raise
    if timed_out:
        return Ending("timeout", timeout_s=timeout_s)
    if proc.returncode < 0:
        return Ending("signal", code=-proc.returncode)
    return Ending("exit", code=proc.returncode)


def stream_until_done(proc, timeout_s: float, on_line) -> bool:
    """Feed proc's output to on_line until it exits; True if it timed out."""
    deadline = time.monotonic() + timeout_s
    timed_out = False
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        reader = LineReader(proc.stdout.fileno(), on_line)
        while not reader.eof and proc.poll() is None:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if selector.select(timeout=min(0.1, left)):
                reader.read_once()
        try:                            # EOF may come before the exit
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
        kill_session(proc.pid)          # leftovers, or the hung binary
        proc.wait()
        reader.drain(selector, DRAIN_GRACE_S)
    return timed_out


class LineReader:
    """Turn raw reads from a pipe into timestamped lines."""

    def __init__(self, fd: int, on_line):
        self.fd, self.on_line = fd, on_line
        self.pending = b""
        self.eof = False

    def read_once(self) -> None:
        chunk = os.read(self.fd, 65536)
        now = time.monotonic()
        if not chunk:
            self.eof = True
            if self.pending:            # a last line without its newline
                self.on_line(self.pending, now)
                self.pending = b""
            return
        *lines, self.pending = (self.pending + chunk).split(b"\n")
        for line in lines:
            self.on_line(line + b"\n", now)

    def drain(self, selector, grace_s: float) -> None:
        """Read what is left; a process that escaped may hold the pipe."""
        deadline = time.monotonic() + grace_s
        while not self.eof and time.monotonic() < deadline:
            if selector.select(timeout=max(0.0, deadline - time.monotonic())):
                self.read_once()
        if not self.eof and self.pending:
            self.on_line(self.pending, time.monotonic())
            self.pending = b""
