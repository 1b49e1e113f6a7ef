"""A matrix run: expand the chosen kernels and platforms into cells, run
them in parallel, save results.json and junit.xml with results/store."""
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from results import runner, store
from results.cli import load_behaviours
from results.hostinfo import REPO_ROOT, tool_version
from results.verdict import ERROR

from . import config
from .boot import INTERRUPT
from .cell import Cell, Context, not_run, run_cell
from .archive import Archive, FetchError, every_series
from .initramfs import test_binaries


@dataclass
class Plan:
    cells: list[Cell]
    context: Context
    jobs: int
    started: object = None
    outcomes: dict = field(default_factory=dict)     # cell id -> CellResult
    lock: threading.Lock = field(default_factory=threading.Lock)


def kernel_cells(names: list[str], kernels: dict, archive: Archive) -> list[tuple[str, str]]:
    """(name, source) of every kernel; "debian:*" becomes every series found."""
    found = []
    for name in names:
        if name == config.EVERY_SERIES:
            try:
                series = every_series(archive.images())
            except (FetchError, OSError) as err:
                raise config.ConfigError(f"cannot list the archive's series: {err}")
            found += [(s, f"debian:{s}") for s in series]
        elif name in kernels:
            found.append((name, kernels[name].source))
        else:                                   # an ad hoc debian:<x> / local:<x>
            found.append((name.split(":", 1)[1].rstrip("/").split("/")[-1], name))
    unique = {}
    for name, source in found:
        unique.setdefault(name, source)
    return list(unique.items())


def expand(set_name=None, kernel_names=None, platform_names=None,
           archive: Archive | None = None) -> tuple[list[Cell], Archive]:
    kernels, sets = config.load_kernels()
    platforms = config.pick_platforms(config.load_platforms(), platform_names)
    chosen = config.pick_kernels(kernels, sets, set_name, kernel_names)
    archive = archive or Archive()
    booted = [p for p in platforms if p.launcher != "host"]
    cells = [Cell("host", "host", p) for p in platforms if p.launcher == "host"]
    if booted:
        for name, source in kernel_cells(chosen, kernels, archive):
            cells += [Cell(name, source, p) for p in booted]
    return cells, archive


def host_listings(build_dir: Path, names=None) -> tuple[list[str], dict]:
    """<area>/<binary> names (default: all built) and each one's `-l` here."""
    if names is None:
        names = [f"{p.parent.name}/{p.name}" for p in runner.find_binaries(build_dir)]
    listings = {name: runner.list_tests(Path(build_dir) / "tests" / name)
                for name in names}
    return list(names), listings


def prepare(set_name=None, kernel_names=None, platform_names=None, jobs=None,
            build_dir: Path = REPO_ROOT / "build") -> Plan:
    cells, archive = expand(set_name, kernel_names, platform_names)
    # One snapshot of the build: it may change while the cells run.
    snapshot = test_binaries(build_dir)
    if not snapshot:
        raise config.ConfigError(f"no test binaries under {build_dir}/tests: "
                                 "run ./run.sh build first")
    binaries, listings = host_listings(build_dir, [n[len("tests/"):] for n in snapshot])
    started = store.utc_now()
    run_dir = store.create_run_dir(store.runs_dir(), "matrix", started)
    context = Context(run_dir, build_dir, archive, binaries, listings, tests=snapshot)
    return Plan(cells, context, jobs or os.cpu_count() or 1, started)


def counts(results) -> dict:
    return store.count(results)


def progress_line(outcome) -> str:
    tally = counts(outcome.results)
    shown = " ".join(f"{k} {v}" for k, v in tally.items() if v or k in ("PASS", "FAIL"))
    note = f"  ({outcome.info['reason']})" if outcome.info.get("reason") else ""
    return f"cell {outcome.cell.kernel}/{outcome.cell.platform.name}: {shown} " \
           f"[{outcome.seconds:.1f} s]{note}"


def run_one(plan: Plan, cell: Cell):
    if INTERRUPT.is_set():
        return None
    try:
        outcome = run_cell(cell, plan.context)
    except Exception as err:            # a bug of ours: the cell says so, the run goes on
        outcome = not_run(cell, plan.context, time.monotonic(), ERROR,
                          f"kvmabi internal error: {type(err).__name__}: {err}")
    with plan.lock:
        plan.outcomes[cell.id] = outcome
        print(progress_line(outcome), file=sys.stderr, flush=True)
    return outcome


def start(plan: Plan) -> dict:
    """Submit every cell; return {cell id: future}."""
    pool = ThreadPoolExecutor(max_workers=plan.jobs, thread_name_prefix="cell")
    # The slowest platforms first, so that the quick cells fill in around them.
    by_cost = sorted(plan.cells, key=lambda cell: -cell.platform.timeout_s)
    futures = {cell.id: pool.submit(run_one, plan, cell) for cell in by_cost}
    pool.shutdown(wait=False)
    return futures


def save(plan: Plan) -> dict:
    """results.json and junit.xml for every cell that finished."""
    behaviours = load_behaviours()
    outcomes = [plan.outcomes[c.id] for c in plan.cells if c.id in plan.outcomes]
    results = [r for o in outcomes for r in o.results]
    for result in results:
        result.behaviour = behaviours.get(f"{result.area}/{result.binary}")
    run = {"id": plan.context.run_dir.name, "started": store.iso(plan.started),
           "finished": store.iso(store.utc_now()), "tool_version": tool_version(),
           "mode": "matrix"}
    return store.save_run(plan.context.run_dir, run, [o.info for o in outcomes], results)


# The plan of the run in progress and its saved document, shared between the
# CLI and the pytest driver (matrix/driver.py) that runs in the same process.
CURRENT: Plan | None = None
DOC: dict | None = None
