"""Read a cell's two serial files: the framed channel (ttyS1) and the console.

A Tail thread timestamps lines as the emulator writes them, so a fault on
the console can be placed between the test results on the channel.
"""
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from results.tap import TapLog

from .boot import BEGIN_MARKER, DONE_MARKER, END_MARKER, FACT_MARKER, FAULT_PATTERN

# A marker may follow output that had no newline of its own (a binary killed
# mid-line): that output is kept, the marker still counts.
FRAME = re.compile(rf"^(.*?)({BEGIN_MARKER}|{END_MARKER}) (list|run) (\S+)(?: rc=(-?\d+))?\s*$")
KERNEL_TIME = re.compile(r"^\[\s*\d+\.\d+\]\s*")


class Tail(threading.Thread):
    """Collect (arrival time, line) from a growing file until stopped."""

    def __init__(self, path: Path, interval_s: float = 0.05):
        super().__init__(daemon=True)
        self.path, self.interval_s = Path(path), interval_s
        self.lines: list[tuple[float, str]] = []
        self.pending, self.offset = b"", 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.poll()
            self.halt.wait(self.interval_s)

    def poll(self) -> None:
        try:
            with open(self.path, "rb") as stream:
                stream.seek(self.offset)
                chunk = stream.read()
        except OSError:
            return
        now = time.monotonic()
        self.offset += len(chunk)
        *complete, self.pending = (self.pending + chunk).split(b"\n")
        self.lines += [(now, line.decode("utf-8", "replace").rstrip("\r"))
                       for line in complete]

    def stop(self) -> list[tuple[float, str]]:
        self.halt.set()
        if self.is_alive():
            self.join()
        self.poll()
        if self.pending:
            self.lines.append((time.monotonic(), self.pending.decode("utf-8", "replace")))
            self.pending = b""
        return self.lines


@dataclass
class BinaryRun:
    """One binary as the channel saw it."""
    name: str                                   # <area>/<binary>
    listing: list[str] = field(default_factory=list)
    list_rc: int | None = None
    log: TapLog | None = None                   # None: never started
    raw: list[str] = field(default_factory=list)
    rc: int | None = None                       # None: never ended
    started_at: float | None = None
    ended_at: float | None = None


@dataclass
class Channel:
    facts: dict = field(default_factory=dict)
    binaries: dict = field(default_factory=dict)
    done: bool = False
    last_time: float | None = None


def parse_channel(lines) -> Channel:
    """Split the framed channel into facts and per-binary listings and TAP."""
    channel, current, mode = Channel(), None, None
    for when, line in lines:
        channel.last_time = when if when is not None else channel.last_time
        if (frame := FRAME.match(line)):
            before, marker, mode_now, name, rc = frame.groups()
            if before and current is not None:
                add_output(current, mode, before, when)
            mode = mode_now
            run = channel.binaries.setdefault(name, BinaryRun(name))
            if marker == BEGIN_MARKER:
                current = run
                if mode == "run":
                    run.log, run.started_at = TapLog(), when
            else:
                code = int(rc) if rc is not None else None
                if mode == "list":
                    run.list_rc = code
                else:
                    run.rc, run.ended_at = code, when
                current = None
        elif line.startswith(FACT_MARKER + " ") and current is None:
            key, _, value = line[len(FACT_MARKER) + 1:].partition("=")
            channel.facts[key.strip()] = value.strip()
        elif line.strip() == DONE_MARKER and current is None:
            channel.done = True
        elif current is not None:
            add_output(current, mode, line, when)
    return channel


def add_output(run: BinaryRun, mode: str, line: str, when) -> None:
    """A line a binary printed: its `-l` listing, or its TAP."""
    if mode == "list":
        run.listing.append(line)
    else:
        run.raw.append(line)
        run.log.feed(line, when)


def first_fault(lines) -> tuple[float | None, str] | None:
    """(arrival time, line) of the first console line showing a kernel fault."""
    for when, line in lines:
        if FAULT_PATTERN.search(line):
            return when, KERNEL_TIME.sub("", line.strip())[:240]
    return None
