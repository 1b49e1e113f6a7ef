"""The pytest driver of the matrix: one test per cell, id "<kernel>-<platform>".

Cells run in parallel (a thread pool of --jobs workers, started by a session
fixture; every cell's TAP cases land in results.json and junit.xml). Run it
through `python3 -m matrix.cli`; run alone (`python3 -m pytest
matrix/driver.py`) it reads KVMABI_MATRIX_SET, KVMABI_MATRIX_KERNELS,
KVMABI_MATRIX_PLATFORMS and KVMABI_MATRIX_JOBS.
"""
import os

import pytest

from matrix import plan as planning
from matrix.boot import INTERRUPT
from results.verdict import BAD_STATUSES, SKIP

SHOWN_PER_CELL = 12


def current_plan() -> planning.Plan:
    if planning.CURRENT is None:
        env = os.environ.get
        jobs = int(env("KVMABI_MATRIX_JOBS") or 0) or None
        planning.CURRENT = planning.prepare(env("KVMABI_MATRIX_SET"),
                                            env("KVMABI_MATRIX_KERNELS"),
                                            env("KVMABI_MATRIX_PLATFORMS"), jobs)
    return planning.CURRENT


def pytest_generate_tests(metafunc):
    if "cell_id" in metafunc.fixturenames:
        cells = current_plan().cells
        metafunc.parametrize("cell_id", [pytest.param(c.id, id=c.id) for c in cells])


@pytest.fixture(scope="session")
def running():
    plan = current_plan()
    futures = planning.start(plan)
    yield futures
    for future in futures.values():
        future.exception()              # wait; a crash shows in its own test
    planning.DOC = planning.save(plan)


def test_cell(cell_id, running):
    try:
        outcome = running[cell_id].result()
    except KeyboardInterrupt:
        INTERRUPT.set()                 # kill the running emulators, start no cell
        raise
    if outcome is None:
        pytest.skip("interrupted before this cell started")
    if outcome.info.get("state") == SKIP:
        pytest.skip(outcome.info.get("reason", "skipped"))
    bad = [r for r in outcome.results if r.status in BAD_STATUSES]
    if bad:
        lines = [f"{r.status} {r.test}: {r.reason}" for r in bad[:SHOWN_PER_CELL]]
        if len(bad) > SHOWN_PER_CELL:
            lines.append(f"... and {len(bad) - SHOWN_PER_CELL} more")
        pytest.fail("\n".join(lines), pytrace=False)
