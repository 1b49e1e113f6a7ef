"""Split the merged stdout+stderr of one kselftest binary into per-test records.

The harness prints "#  RUN  name ..." before a test and "ok/not ok N name"
after it; everything in between (TH_LOG lines, our KVMABI_* markers, the
harness's own complaints) belongs to that test.
"""
import re
from dataclasses import dataclass, field

RUN_LINE = re.compile(r"^#\s+RUN\s+(\S+)\s+\.\.\.\s*$")
RESULT_LINE = re.compile(r"^(not ok|ok)\s+(\d+)\s+(.*)$")
PLAN_LINE = re.compile(r"^1\.\.(\d+)\s*$")
DIRECTIVE = re.compile(r"^(SKIP|XFAIL|XPASS|TODO)\b\s*(.*)$", re.IGNORECASE)


@dataclass
class TestRun:
    """What the output says about one test."""
    name: str
    started_at: float | None = None
    ended_at: float | None = None
    outcome: str | None = None      # "ok", "not ok", or None: never finished
    directive: str = ""             # SKIP, XFAIL, XPASS, TODO or ""
    message: str = ""               # text after the directive (or after "#  ")
    diagnostics: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.outcome is not None


@dataclass
class TapLog:
    """Everything parsed from one binary's output, in arrival order."""
    tests: list[TestRun] = field(default_factory=list)
    plan: int | None = None
    last_line: str = ""
    running: TestRun | None = None   # the test between its RUN and result lines

    def find(self, name: str) -> TestRun | None:
        # The newest record wins: a name only repeats if the binary restarts.
        for test in reversed(self.tests):
            if test.name == name:
                return test
        return None

    def feed(self, line: str, when: float | None = None) -> None:
        """Take one output line (without its newline), seen at time `when`."""
        line = line.rstrip("\r\n")
        if line.strip():
            self.last_line = line.strip()
        if match := RUN_LINE.match(line):
            self.running = TestRun(match.group(1), started_at=when)
            self.tests.append(self.running)
        elif match := RESULT_LINE.match(line):
            self._finish(match.group(1), match.group(3), when)
        elif match := PLAN_LINE.match(line):
            self.plan = int(match.group(1))
        elif self.running is not None:
            self.running.diagnostics.append(line)

    def _finish(self, outcome: str, rest: str, when: float | None) -> None:
        name, _, tail = rest.partition(" #")
        name = name.strip()
        test = self.running if self.running and self.running.name == name \
            else self.find(name)
        if test is None or test.finished:
            test = TestRun(name)          # a result without a RUN line
            self.tests.append(test)
        test.outcome, test.ended_at = outcome, when
        test.directive, test.message = split_directive(tail)
        self.running = None


def split_directive(tail: str) -> tuple[str, str]:
    """'SKIP no AMX' -> ('SKIP', 'no AMX'); '  unknown' -> ('', 'unknown')."""
    tail = tail.strip()
    if match := DIRECTIVE.match(tail):
        return match.group(1).upper(), match.group(2).strip()
    return "", tail


def parse_lines(lines, when=None) -> TapLog:
    """Parse a whole output at once (timestamps unknown unless given)."""
    log = TapLog()
    for line in lines:
        log.feed(line, when)
    return log
