"""Fake kselftest binaries: POSIX sh scripts that answer `-l` like the
6.12 harness and print canned TAP otherwise."""
import os
from pathlib import Path


def listing(fixtures) -> str:
    """The harness's `-l` text for [(fixture, [variants], [tests]), ...]."""
    rows = ["%-20s %-25s %s" % ("# FIXTURE", "VARIANT", "TEST")]
    for index, (fixture, variants, tests) in enumerate(fixtures):
        if index:
            rows.append("-" * 80)
        for row in range(max(len(variants), len(tests), 1)):
            rows.append("%-20s %-25s %s" % (
                fixture if row == 0 else "",
                variants[row] if row < len(variants) else "",
                tests[row] if row < len(tests) else ""))
    return "\n".join(rows) + "\n"


def fake_binary(build: Path, area: str, name: str, fixtures, body: str) -> Path:
    """Write build/tests/<area>/<name>; `body` is sh run without `-l`."""
    path = build / "tests" / area / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n"
                    'if [ "$1" = "-l" ]; then\n'
                    f"cat >&2 <<'LISTING'\n{listing(fixtures)}LISTING\n"
                    "exit 4\nfi\n" + body + "\n")
    os.chmod(path, 0o755)
    return path


def tap(*lines: str) -> str:
    """sh that prints each line (stdout), as the binary would."""
    return "\n".join("printf '%s\\n' " + quote(line) for line in lines)


def quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


PASSING = tap("TAP version 13", "1..2",
              "#  RUN           global.one ...", "#            OK  global.one",
              "ok 1 global.one",
              "#  RUN           global.two ...", "#            OK  global.two",
              "ok 2 global.two", "# PASSED: 2 / 2 tests passed.")
