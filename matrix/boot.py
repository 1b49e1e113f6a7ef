"""The launcher interface every booting platform implements.

A platform module (matrix/qemu.py, matrix/bochs.py) exposes:

    available(spec_options: dict) -> str | None
        None when the launcher can run here, else the one-line reason
        (the cell then comes out MISS with it; never a traceback).
    launch(spec: BootSpec) -> BootOutcome
        Boot spec.kernel + spec.initrd with spec.cmdline, guest ttyS0 into
        spec.console_path and guest ttyS1 (the result channel) into
        spec.channel_path; return when the guest powered off, the channel
        said DONE_MARKER, a panic was seen, or spec.timeout_s passed.

supervise() below does the waiting and killing for any emulator: use it so
that every launcher stops VMs the same way.
"""
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# The guest's init (harness/init.sh) frames everything on ttyS1 with these.
FACT_MARKER = "KVMABI-FACT"         # KVMABI-FACT key=value
BEGIN_MARKER = "KVMABI-BEGIN"       # KVMABI-BEGIN <mode> <area>/<binary>
END_MARKER = "KVMABI-END"           # KVMABI-END <mode> <area>/<binary> rc=<n>
DONE_MARKER = "KVMABI-DONE"         # the last line: every binary has run

# A console line that means the guest kernel broke (see DESIGN.md "Console").
FAULT_PATTERN = re.compile(
    r"Kernel panic|\bOops\b|\bBUG: |kernel BUG at|WARNING: CPU: |KASAN"
    r"|general protection fault.*\[#\d+\]")
PANIC_PATTERN = re.compile(r"Kernel panic|end Kernel panic")

POLL_S = 0.1
# Set by the driver on Ctrl-C: every supervised emulator is killed.
INTERRUPT = threading.Event()
AFTER_DONE_GRACE_S = 5.0     # time to power off by itself after DONE
AFTER_PANIC_GRACE_S = 3.0    # let the panic's trace reach the console file


@dataclass
class BootSpec:
    """One boot of one cell, independent of the emulator."""
    kernel: Path                 # vmlinuz (bzImage)
    initrd: Path                 # the cell's initramfs (cpio, compressed)
    cmdline: str                 # kernel command line, console=ttyS0 included
    console_path: Path           # guest ttyS0 is written here
    channel_path: Path           # guest ttyS1 is written here
    timeout_s: float             # the whole boot, from start to power off
    cpu: str                     # platform's CPU model ("EPYC,+svm,..." or
                                 # a Bochs model such as "corei7_skylake_x")
    memory_mb: int = 1024
    work_dir: Path | None = None  # scratch space for the launcher (rc files, ISO)
    options: dict = field(default_factory=dict)  # platforms.toml [<name>.options]


@dataclass
class BootOutcome:
    """How the boot ended; the cell turns this into verdicts."""
    seconds: float
    timed_out: bool = False
    returncode: int | None = None
    note: str = ""               # e.g. "killed after kernel panic", "spawn failed: ..."
    started: bool = True         # False: the emulator never ran (cell MISS)


def tail_has(path: Path, needle, offset: int) -> tuple[bool, int]:
    """Whether the file grew a match for needle (a str or compiled regex)."""
    try:
        with open(path, "rb") as stream:
            stream.seek(max(0, offset - 200))   # a match may straddle reads
            text = stream.read().decode("utf-8", "replace")
            size = stream.tell()
    except OSError:
        return False, offset
    found = needle.search(text) if hasattr(needle, "search") else needle in text
    return bool(found), size


def stop(proc: subprocess.Popen) -> None:
    """Kill the emulator's whole process group and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def supervise(argv: list[str], spec: BootSpec, env=None, stdin=None,
              stdout=None) -> BootOutcome:
    """Run an emulator until it exits, the guest is done, panics or times out."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, env=env, stdin=stdin or subprocess.DEVNULL,
                                stdout=stdout or subprocess.DEVNULL,
                                stderr=subprocess.STDOUT if stdout else subprocess.DEVNULL,
                                start_new_session=True, cwd=spec.work_dir)
    except OSError as err:
        return BootOutcome(0.0, note=f"cannot start {argv[0]}: {err.strerror}",
                           started=False)
    try:
        return watch(proc, spec, start)
    finally:
        if proc.poll() is None:
            stop(proc)


def watch(proc, spec: BootSpec, start: float) -> BootOutcome:
    deadline = start + spec.timeout_s
    done_at = panic_at = None
    channel_pos = console_pos = 0
    while proc.poll() is None:
        now = time.monotonic()
        if INTERRUPT.is_set():
            stop(proc)
            return BootOutcome(now - start, False, None, "interrupted")
        if now >= deadline:
            stop(proc)
            return BootOutcome(now - start, True, None,
                               f"killed at the {spec.timeout_s:g} s cell timeout")
        if done_at is None:
            found, channel_pos = tail_has(spec.channel_path, DONE_MARKER, channel_pos)
            done_at = now if found else None
        elif now - done_at > AFTER_DONE_GRACE_S:
            stop(proc)
            return BootOutcome(now - start, False, None,
                               "stopped after the guest finished")
        if panic_at is None:
            found, console_pos = tail_has(spec.console_path, PANIC_PATTERN,
                                          console_pos)
            panic_at = now if found else None
        elif now - panic_at > AFTER_PANIC_GRACE_S:
            stop(proc)
            return BootOutcome(now - start, False, None, "killed after kernel panic")
        time.sleep(POLL_S)
    return BootOutcome(time.monotonic() - start, False, proc.returncode)
