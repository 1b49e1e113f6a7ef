"""The run directory and results.json, a stable documented contract.

results/runs/<run-id>/
    <kernel>/<platform>/<area>/<binary>.tap   raw output of each binary
    results.json                             schema "kvmabi-results/1"
    junit.xml
results/runs/latest -> <run-id>              always the newest run
"""
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from .hostinfo import REPO_ROOT
from .junit import write_junit
from .verdict import STATUSES, Result

SCHEMA = "kvmabi-results/1"
RECORD_KEYS = ("test", "binary", "area", "behaviour", "kernel",
               "kernel_version", "platform", "status", "reason", "duration_s")


def runs_dir() -> Path:
    """Where runs live; KVMABI_RUNS_DIR overrides it (tests use this)."""
    return Path(os.environ.get("KVMABI_RUNS_DIR") or REPO_ROOT / "results" / "runs")


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def create_run_dir(root: Path, mode: str, started: datetime) -> Path:
    """Make a new, unique run directory like 20261123T130501Z-host."""
    root.mkdir(parents=True, exist_ok=True)
    base = f"{started.strftime('%Y%m%dT%H%M%SZ')}-{mode}"
    for attempt in range(1, 1000):
        path = root / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free run directory name under {root}")


def cell_dir(run_dir: Path, cell: dict) -> Path:
    return run_dir / cell["kernel"] / cell["platform"]


def stamp(results: list[Result], cell: dict, behaviours: dict) -> None:
    """Fill in a cell's kernel and platform, and each binary's behaviour."""
    for result in results:
        result.kernel, result.platform = cell["kernel"], cell["platform"]
        result.kernel_version = cell["kernel_version"]
        result.behaviour = behaviours.get(f"{result.area}/{result.binary}")


def record(result: Result) -> dict:
    return {key: getattr(result, key) for key in RECORD_KEYS}


def count(results: list[Result]) -> dict:
    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        counts[result.status] += 1
    return counts


def in_cell(results: list[Result], cell: dict) -> list[Result]:
    return [r for r in results
            if (r.kernel, r.platform) == (cell["kernel"], cell["platform"])]


def document(run: dict, cells: list[dict], results: list[Result]) -> dict:
    cells = [dict(cell, counts=count(in_cell(results, cell))) for cell in cells]
    return {"schema": SCHEMA, "run": run, "cells": cells,
            "results": [record(result) for result in results]}


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def point_latest(run_dir: Path) -> None:
    """Atomically repoint runs/latest at run_dir (a relative link)."""
    latest = run_dir.parent / "latest"
    temporary = run_dir.parent / f".latest.{os.getpid()}"
    if temporary.is_symlink():
        temporary.unlink()
    temporary.symlink_to(run_dir.name)
    os.replace(temporary, latest)


def save_run(run_dir: Path, run: dict, cells: list[dict],
             results: list[Result]) -> dict:
    """Write results.json and junit.xml, then make this run the latest."""
    doc = document(run, cells, results)
    write_atomically(run_dir / "results.json", json.dumps(doc, indent=2) + "\n")
    write_junit(run_dir / "junit.xml", doc)
    point_latest(run_dir)
    return doc
