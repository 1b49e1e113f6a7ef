"""Run one cell: fetch the kernel, build the initramfs, boot, judge.

Per-cell output: results/runs/<run-id>/<kernel>/<platform>/ with
<area>/<binary>.tap, console.log, channel.log and cell.json.
"""
import importlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from results import runner
from results.hostinfo import host_cell
from results.verdict import ERROR, MISS, SKIP, Result

from . import initramfs
from .boot import BootSpec
from .channel import Tail, first_fault, parse_channel
from .config import Platform
from .fetch import Fetched, FetchError, fetch
from .initramfs import InitramfsError
from .verdicts import judge_cell, skipped_or_missed

BASE_CMDLINE = "console=ttyS0 quiet panic=-1"
# Cells share the kernel and initramfs caches: prepare one at a time.
PREPARE_LOCK = threading.Lock()


@dataclass
class Cell:
    kernel: str              # the kernel's name in the matrix ("6.12", "host")
    source: str              # "debian:6.12", "host"
    platform: Platform

    @property
    def id(self) -> str:
        return f"{self.kernel}-{self.platform.name}"


@dataclass
class Context:
    """What every cell of a run shares."""
    run_dir: Path
    build_dir: Path
    archive: object          # archive.Archive
    binaries: list[str]      # <area>/<binary>
    listings: dict           # <area>/<binary> -> host-side `-l` names or None
    launchers: dict = field(default_factory=dict)   # launcher -> module
    tests: dict | None = None   # the binaries, read once: every cell boots the same

    def test_files(self) -> dict:
        if self.tests is None:
            self.tests = initramfs.test_binaries(self.build_dir)
        return self.tests


@dataclass
class CellResult:
    cell: Cell
    info: dict               # the results.json "cells" entry
    results: list[Result]
    seconds: float


def launcher_module(name: str, ctx: Context):
    """matrix.<launcher>, or None when it does not exist (yet)."""
    if name not in ctx.launchers:
        try:
            ctx.launchers[name] = importlib.import_module(f"matrix.{name}")
        except ImportError:
            ctx.launchers[name] = None
    return ctx.launchers[name]


def cell_dir(ctx: Context, cell: Cell) -> Path:
    path = ctx.run_dir / cell.kernel / cell.platform.name
    path.mkdir(parents=True, exist_ok=True)
    return path


def finish(cell: Cell, ctx: Context, results, start, **info) -> CellResult:
    info = {"kernel": cell.kernel, "kernel_version": info.pop("kernel_version", ""),
            "platform": cell.platform.name, **info}
    seconds = round(time.monotonic() - start, 1)
    info["seconds"] = seconds
    for result in results:
        result.kernel, result.platform = cell.kernel, cell.platform.name
        result.kernel_version = info["kernel_version"]
    (cell_dir(ctx, cell) / "cell.json").write_text(json.dumps(info, indent=1) + "\n")
    return CellResult(cell, info, results, seconds)


def not_run(cell, ctx, start, status, reason, **info) -> CellResult:
    results = skipped_or_missed(ctx.binaries, ctx.listings, status, reason)
    return finish(cell, ctx, results, start, state=status, reason=reason, **info)


def run_cell(cell: Cell, ctx: Context) -> CellResult:
    """Never raises for trouble a cell can have: it becomes MISS or SKIP."""
    start = time.monotonic()
    platform = cell.platform
    if platform.launcher == "host":
        return run_host(cell, ctx, start)
    module = launcher_module(platform.launcher, ctx)
    if module is None:
        return not_run(cell, ctx, start, MISS, f"{platform.launcher} launcher not available")
    options = dict(platform.options, accel=platform.accel)
    if (problem := module.available(options)):
        status = SKIP if platform.requires else MISS
        return not_run(cell, ctx, start, status, problem)
    with PREPARE_LOCK:
        try:
            kernel = fetch(cell.kernel, cell.source, ctx.archive)
        except FetchError as err:
            return not_run(cell, ctx, start, MISS, str(err))
        if (limit := platform.limit_for(kernel.series)):
            return not_run(cell, ctx, start, SKIP, limit, kernel_version=kernel.version)
        try:
            initrd = initramfs.build(kernel, ctx.test_files())
        except InitramfsError as err:
            return not_run(cell, ctx, start, MISS, str(err), kernel_version=kernel.version)
    return boot_and_judge(cell, ctx, kernel, initrd, module, options, start)


def cmdline(platform: Platform, mode: str = "run") -> str:
    words = [BASE_CMDLINE, f"kvmabi.module={platform.module or 'auto'}",
             f"kvmabi.timeout={int(platform.test_timeout_s)}", f"kvmabi.mode={mode}",
             platform.options.get("append", "")]
    return " ".join(word for word in words if word)


def boot_spec(cell: Cell, kernel: Fetched, initrd: Path, folder: Path, options,
              mode: str = "run") -> BootSpec:
    platform = cell.platform
    for name in ("console.log", "channel.log"):
        (folder / name).write_bytes(b"")
    return BootSpec(kernel.vmlinuz, initrd, cmdline(platform, mode),
                    folder / "console.log", folder / "channel.log",
                    platform.timeout_s, platform.cpu, platform.memory_mb,
                    work_dir=folder, options=options)


def boot_and_judge(cell, ctx, kernel, initrd, module, options, start) -> CellResult:
    folder = cell_dir(ctx, cell)
    spec = boot_spec(cell, kernel, initrd, folder, options)
    tails = Tail(spec.channel_path), Tail(spec.console_path)
    for tail in tails:
        tail.start()
    try:
        outcome = module.launch(spec)
    finally:
        channel_lines, console_lines = (tail.stop() for tail in tails)
    if not outcome.started:
        return not_run(cell, ctx, start, MISS, outcome.note,
                       kernel_version=kernel.version, release=kernel.release)
    channel = parse_channel(channel_lines)
    fault = first_fault(console_lines)
    cause = stop_cause(outcome, channel, console_lines)
    save_tap(folder, channel)
    results = judge_cell(ctx.binaries, channel, ctx.listings,
                         cell.platform.test_timeout_s, cause, fault)
    if channel.facts.get("module_load", "ok") != "ok":     # no KVM: nothing is valid
        why = f"{channel.facts.get('module')} did not load: {channel.facts['module_load']}"
        for result in results:
            result.status, result.reason = ERROR, why[:300]
    return finish(cell, ctx, results, start, kernel_version=kernel.version,
                  release=kernel.release, state="ran", facts=channel.facts,
                  cpu_model=channel.facts.get("cpu_model", ""),
                  boot={"seconds": round(outcome.seconds, 1),
                        "timed_out": outcome.timed_out, "note": outcome.note,
                        "finished": channel.done},
                  fault=fault[1] if fault else None, cause=cause or None)


def stop_cause(outcome, channel, console_lines) -> str:
    """Why the guest did not finish, or "" when it did."""
    if outcome.timed_out:
        return f"the VM hung: {outcome.note}"
    if channel.done:
        return ""
    last = next((line.strip() for _, line in reversed(console_lines) if line.strip()),
                "no console output")
    return f"the guest stopped before finishing ({outcome.note or 'it exited'}); " \
           f"console: {last[:160]}"


def save_tap(folder: Path, channel) -> None:
    for name, run in channel.binaries.items():
        if run.log is None:
            continue
        path = folder / f"{name}.tap"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(run.raw) + ("\n" if run.raw else ""))


def run_host(cell: Cell, ctx: Context, start: float) -> CellResult:
    """The host platform: this machine's kernel, through the results runner."""
    import os
    facts = host_cell()
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return not_run(cell, ctx, start, SKIP, "/dev/kvm is absent or not accessible here",
                       kernel_version=facts["kernel_version"])
    results = runner.run_all(ctx.build_dir, cell_dir(ctx, cell), cell.platform.test_timeout_s)
    return finish(cell, ctx, results, start, kernel_version=facts["kernel_version"],
                  state="ran", cpu_model=facts["cpu_model"], facts=facts["facts"])
