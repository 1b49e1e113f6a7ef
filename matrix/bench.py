"""`./run.sh bench`: what a cell costs over a bare boot, and whole-matrix times.

For each kernel of the set on each booted platform: a bare boot (the same
kernel and initramfs, init powers off at once) and the full cell, one after
the other so that neither competes with the other; the ratio is the figure.
Then the wall time of the default matrix on host and qemu-tcg-svm, warm
and cold (from an empty cache), and of the full set on qemu-tcg-svm, warm.
The report is also saved as results/runs/bench-<time>.json.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from results import store
from results.hostinfo import REPO_ROOT, UsageError

from . import plan as planning
from .boot import BootSpec
from .cell import boot_spec, cell_dir, launcher_module, run_cell
from .config import ConfigError
from .fetch import FetchError, fetch
from .initramfs import build as build_initramfs


def bare_boot(cell, ctx) -> float | str:
    """Seconds of a boot that only powers off, or why there was none."""
    module = launcher_module(cell.platform.launcher, ctx)
    if module is None:
        return f"{cell.platform.launcher} launcher not available"
    options = dict(cell.platform.options, accel=cell.platform.accel)
    if (problem := module.available(options)):
        return problem
    try:
        kernel = fetch(cell.kernel, cell.source, ctx.archive)
    except FetchError as err:
        return str(err)
    folder = cell_dir(ctx, cell) / "bare"
    folder.mkdir(parents=True, exist_ok=True)
    spec: BootSpec = boot_spec(cell, kernel, build_initramfs(kernel, ctx.test_files()),
                               folder, options, mode="bare")
    start = time.monotonic()
    outcome = module.launch(spec)
    return time.monotonic() - start if outcome.started and not outcome.timed_out \
        else f"bare boot failed: {outcome.note}"


def ratios(plan) -> list[dict]:
    rows = []
    for cell in plan.cells:
        if cell.platform.launcher == "host":
            continue
        bare = bare_boot(cell, plan.context)
        if isinstance(bare, str):
            rows.append({"cell": f"{cell.kernel}/{cell.platform.name}", "note": bare})
            continue
        outcome = run_cell(cell, plan.context)
        seconds = outcome.info.get("boot", {}).get("seconds") or outcome.seconds
        rows.append({"cell": f"{cell.kernel}/{cell.platform.name}",
                     "version": outcome.info.get("kernel_version", ""),
                     "bare_s": round(bare, 1), "cell_s": round(seconds, 1),
                     "ratio": round(seconds / bare, 2)})
        print(format_row(rows[-1]), file=sys.stderr, flush=True)
    return rows


def format_row(row: dict) -> str:
    if "note" in row:
        return f"{row['cell']:<28} {row['note']}"
    return f"{row['cell']:<28} {row['version']:<18} bare {row['bare_s']:>6.1f} s  " \
           f"cell {row['cell_s']:>6.1f} s  ratio {row['ratio']:.2f}"


def markdown(report: dict) -> str:
    """The tables for the README."""
    lines = ["| cell | kernel version | bare boot (s) | cell (s) | ratio |",
             "| --- | --- | ---: | ---: | ---: |"]
    for row in report["ratios"]:
        if "note" in row:
            lines.append(f"| {row['cell']} | | | | {row['note']} |")
        else:
            lines.append(f"| {row['cell']} | {row['version']} | {row['bare_s']} | "
                         f"{row['cell_s']} | {row['ratio']} |")
    lines += ["", "| whole run | seconds |", "| --- | ---: |"]
    lines += [f"| {key} | {value} |" for key, value in report.items() if key != "ratios"]
    return "\n".join(lines)


def wall_time(args, platforms: str, set_name=None) -> float:
    """Seconds for a whole matrix run (cells in parallel), as ./run.sh matrix does."""
    start = time.monotonic()
    plan = planning.prepare(set_name or args.set_name, args.kernels, platforms,
                            args.jobs, args.build)
    for future in planning.start(plan).values():
        future.result()
    planning.save(plan)
    return round(time.monotonic() - start, 1)


def run(args) -> dict:
    report = {"ratios": ratios(planning.prepare(args.set_name, args.kernels,
                                                args.platforms, 1, args.build))}
    quick = "host,qemu-tcg-svm"
    report["warm_default_qemu_host_s"] = wall_time(args, quick)
    if not args.no_cold:
        with tempfile.TemporaryDirectory() as empty:
            saved = os.environ.get("KVMABI_CACHE")
            os.environ["KVMABI_CACHE"] = empty
            try:
                report["cold_default_qemu_host_s"] = wall_time(args, quick)
            finally:
                os.environ.pop("KVMABI_CACHE")
                if saved is not None:
                    os.environ["KVMABI_CACHE"] = saved
    if not args.no_full:
        wall_time(args, "qemu-tcg-svm", "full")            # warm the cache first
        report["warm_full_qemu_s"] = wall_time(args, "qemu-tcg-svm", "full")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="./run.sh bench")
    parser.add_argument("--set", dest="set_name", default="default")
    parser.add_argument("--kernels")
    parser.add_argument("--platforms", help="platforms for the ratio table (default: all)")
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--no-cold", action="store_true", help="leave out the cold-cache run")
    parser.add_argument("--no-full", action="store_true", help="leave out the full set on QEMU")
    parser.add_argument("--build", type=Path, default=REPO_ROOT / "build")
    args = parser.parse_args(argv)
    try:
        report = run(args)
    except (ConfigError, UsageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    out = store.runs_dir() / f"bench-{store.utc_now().strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(markdown(report))
    print(f"bench: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
