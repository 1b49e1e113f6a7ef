"""Verdicts for one kselftest binary's tests (see DESIGN.md "Verdicts").

Environment trouble is never FAIL and an incomplete run is never PASS.
"""
import re
from dataclasses import dataclass

from .process import Ending
from .tap import TapLog, TestRun

PASS, FAIL, SKIP, XFAIL, XPASS, ERROR, MISS = (
    "PASS", "FAIL", "SKIP", "XFAIL", "XPASS", "ERROR", "MISS")
STATUSES = (PASS, FAIL, SKIP, XFAIL, XPASS, ERROR, MISS)
BAD_STATUSES = (FAIL, ERROR, MISS, XPASS)      # these make a run exit 1
MAX_REASON = 300

# Harness and kvmabi lines that mean the environment, not KVM, broke the test.
ERROR_MARKERS = ("Test terminated by timeout", "terminated unexpectedly by signal",
                 "Test terminated by assertion", "KVMABI_ERROR:",
                 "ERROR SPAWNING TEST CHILD", "Failed to wait for PID",
                 "SIGALRM handler")
ABORT_MARKER = "Test terminated by assertion"
# An ASSERT_*() failure logs "file:line:test:Expected ..." and then abort()s,
# so SIGABRT after such a line is a failed check, not a crash.
ASSERT_REPORT = re.compile(r"^\S+:\d+:\S+:Expected ")
BANNER = re.compile(r"^(RUN\s+\S+ \.\.\.|(OK|FAIL)\s+\S+|SKIP(\s.*)?|\S+: Test failed)$")


@dataclass
class Result:
    """One test's verdict; the fields of a results.json record."""
    test: str
    binary: str
    area: str
    status: str
    reason: str = ""
    duration_s: float | None = None
    behaviour: str | None = None
    kernel: str = "host"
    kernel_version: str = ""
    platform: str = "host"


def clean(line: str) -> str:
    """Drop the TAP "# " prefix and our marker names; keep one short line."""
    text = line.strip().lstrip("#").strip()
    for marker in ("KVMABI_ERROR:", "KVMABI_FAIL:"):
        if text.startswith(marker):
            text = text[len(marker):].strip()
    return text[:MAX_REASON]


def informative(diagnostics: list[str]) -> list[str]:
    """Diagnostics minus the harness's banners and "Test failed" lines."""
    lines = [clean(line) for line in diagnostics]
    return [line for line in lines if line and not BANNER.match(line)]


def error_line(test: TestRun) -> str | None:
    """The first line saying the environment broke this test, if any."""
    aborted_by_assert = any(ASSERT_REPORT.match(clean(line))
                            for line in test.diagnostics)
    for line in test.diagnostics:
        if ABORT_MARKER in line and aborted_by_assert:
            continue
        if any(marker in line for marker in ERROR_MARKERS):
            return clean(line)
    return None


def failure_reason(test: TestRun) -> str:
    """KVMABI_FAIL's message, else the first informative diagnostic."""
    for line in test.diagnostics:
        if "KVMABI_FAIL:" in line:
            return clean(line)
    lines = informative(test.diagnostics)
    return lines[0] if lines else (test.message or "failed without a diagnostic")


def directive_reason(test: TestRun, fallback: str) -> str:
    """The directive's text; the harness says "unknown" when the test gave
    none, and then its first diagnostic is the best explanation we have."""
    if test.message != "unknown":
        return test.message or fallback
    notes = informative(test.diagnostics)
    return notes[0] if notes else test.message


def failed_check(test: TestRun) -> bool:
    """A failed EXPECT/ASSERT ("file:line:test:Expected ...") or checked call."""
    return any(": Expected " in line or ":Expected " in line or "KVMABI_FAIL:" in line
               for line in test.diagnostics)


def judge_finished(test: TestRun) -> tuple[str, str]:
    """Status and reason of a test that printed its ok/not ok line."""
    if (broken := error_line(test)) is not None:
        return ERROR, broken
    if test.directive == "SKIP" and failed_check(test):
        # kselftest's SKIP() overwrites the exit code of a test whose
        # EXPECT_*() already failed: the failure stands. (An XFAIL after a
        # failed check is what XFAIL means, so it is left alone.)
        return FAIL, failure_reason(test)
    if test.directive == "SKIP":
        return SKIP, directive_reason(test, "skipped without a reason")
    if test.directive in (XFAIL, XPASS):
        return test.directive, directive_reason(test, "")
    if test.outcome == "ok":
        return PASS, ""
    return FAIL, failure_reason(test)


def judge_unfinished(test: TestRun, ending: Ending) -> tuple[str, str]:
    """A test whose RUN line came but whose result line never did."""
    reason = f"binary {ending.describe()} while this test ran"
    notes = informative(test.diagnostics)
    if notes:
        reason += f"; last output: {notes[-1]}"
    return ERROR, reason[:MAX_REASON]


def duration(test: TestRun, ending_time: float | None) -> float | None:
    end = test.ended_at if test.finished else ending_time
    if test.started_at is None or end is None:
        return None
    return round(max(0.0, end - test.started_at), 3)


def judge_binary(area: str, binary: str, log: TapLog, expected: list[str] | None,
                 ending: Ending, ended_at: float | None) -> list[Result]:
    """Every verdict one binary's run yields.

    `expected` is the `-l` listing, or None when `-l` failed; `ended_at` is
    when the binary stopped, to time the test it left unfinished.
    """
    def result(name, status, reason, seconds=None):
        test_id = f"{area}/{binary}/{name}" if name else f"{area}/{binary}"
        return Result(test_id, binary, area, status, reason, seconds)

    results = []
    for test in log.tests:
        judge = judge_finished(test) if test.finished \
            else judge_unfinished(test, ending)
        results.append(result(test.name, *judge, duration(test, ended_at)))
    seen = {test.name for test in log.tests}
    for name in expected or []:
        if name not in seen:
            results.append(result(name, MISS, f"binary {binary} stopped "
                                  f"({ending.describe()}) before this test ran"))
    if (problem := binary_problem(log, expected, ending, results)):
        results.append(result("", ERROR, problem[:MAX_REASON]))
    return results


def binary_problem(log: TapLog, expected, ending: Ending, results) -> str | None:
    """Why the binary as a whole needs an ERROR entry, if it does.

    Needed when trouble would otherwise go unseen: nothing ran and `-l`
    failed, tests the plan promised are unnamed, or the binary died with no
    test left to carry the blame.
    """
    last = f"; last output: {log.last_line[:120]}" if log.last_line else \
        "; it printed nothing"
    finished = sum(test.finished for test in log.tests)
    if expected is None and not log.tests:
        return f"binary {ending.describe()}, its test list (-l) failed " \
               f"and it reported no test{last}"
    if expected is None and log.plan is not None and finished < log.plan:
        return f"binary {ending.describe()} after {finished} of {log.plan} " \
               f"planned tests; the rest are unnamed because -l failed{last}"
    blamed = any(not test.finished for test in log.tests) or \
        any(r.status == MISS for r in results)
    if not ending.normal and not blamed:
        return f"binary {ending.describe()}{last}"
    return None
