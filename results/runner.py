"""Run kselftest binaries and turn their output into verdicts."""
import os
import time
from pathlib import Path

from .listing import parse_listing
from .process import run_streaming
from .tap import TapLog
from .verdict import Result, judge_binary

LIST_TIMEOUT_S = 10.0


def list_tests(path: Path, env=None) -> list[str] | None:
    """TAP names from `path -l`, or None if the listing failed."""
    lines: list[str] = []
    ending = run_streaming([str(path), "-l"], LIST_TIMEOUT_S,
                           lambda raw, _when: lines.append(decode(raw)), env)
    # The harness returns KSFT_SKIP (4) after listing.
    if ending.kind != "exit" or ending.code not in (0, 4):
        return None
    return parse_listing(lines)


def decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


def run_binary(path, tap_path, timeout_s: float, env=None) -> list[Result]:
    """Run one binary, keep its raw output in tap_path, return its verdicts.

    Each line is written and flushed as it arrives so a crash or a kill
    leaves the partial TAP on disk.
    """
    path, tap_path = Path(path), Path(tap_path)
    expected = list_tests(path, env)
    log = TapLog()
    tap_path.parent.mkdir(parents=True, exist_ok=True)
    with open(tap_path, "wb") as tap:
        def on_line(raw: bytes, when: float) -> None:
            tap.write(raw)
            tap.flush()
            log.feed(decode(raw), when)
        ending = run_streaming([str(path)], timeout_s, on_line, env)
    return judge_binary(path.parent.name, path.name, log, expected, ending,
                        time.monotonic())


def find_binaries(build_dir) -> list[Path]:
    """Executable files build/tests/<area>/<name>, sorted by area and name."""
    tests_dir = Path(build_dir) / "tests"
    if not tests_dir.is_dir():
        return []
    return sorted(path for path in tests_dir.glob("*/*")
                  if path.is_file() and not path.suffix  # skip .o, .d
                  and os.access(path, os.X_OK))


def run_all(build_dir, tap_root, timeout_s: float, env=None,
            progress=None) -> list[Result]:
    """Run every binary; TAP goes to tap_root/<area>/<binary>.tap."""
    results: list[Result] = []
    for path in find_binaries(build_dir):
        if progress:
            progress(path)
        tap_path = Path(tap_root) / path.parent.name / f"{path.name}.tap"
        results.extend(run_binary(path, tap_path, timeout_s, env))
    return results
