"""Verdicts of a booted cell: the channel's TAP judged by results/, then the
console's faults and the cell's own ending laid over it."""
from results.listing import parse_listing
from results.process import Ending
from results.tap import TapLog
from results.verdict import ERROR, MAX_REASON, Result, judge_binary

from .channel import BinaryRun, Channel

TIMEOUT_RC = 137        # init.sh runs each binary under `timeout -s KILL`


class CutOff(Ending):
    """A binary whose end never reached the channel: the guest stopped."""

    def __init__(self, cause: str):
        super().__init__("cutoff", detail=cause)

    def describe(self) -> str:
        return f"was cut off ({self.detail})"


def ended_early(run: BinaryRun, test_timeout_s: float) -> bool:
    """True when a SIGKILLed binary ran for less than its timeout as seen
    from the host (guest time does not run ahead of host time; 10% is left
    for serial lag), so the kill was not the timeout's: the OOM killer, say."""
    if run.started_at is None or run.ended_at is None:
        return False
    return run.ended_at - run.started_at < 0.9 * test_timeout_s


def ending_of(run: BinaryRun, test_timeout_s: float, cause: str) -> Ending:
    if run.rc is None:
        return CutOff(cause)
    if run.rc == TIMEOUT_RC and not ended_early(run, test_timeout_s):
        return Ending("timeout", timeout_s=test_timeout_s)
    if run.rc > 128:
        return Ending("signal", code=run.rc - 128)
    return Ending("exit", code=run.rc)


def expected_tests(run: BinaryRun | None, host_listing: list[str] | None):
    """The guest's own `-l` listing, else the one taken on the host."""
    if run is not None and run.list_rc in (0, 4):
        return parse_listing(run.listing)
    return host_listing


def judge_cell(binaries: list[str], channel: Channel, listings: dict,
               test_timeout_s: float, cause: str,
               fault: tuple | None) -> list[Result]:
    """Every verdict of a booted cell.

    binaries: <area>/<binary> names in the initramfs, in run order;
    listings: host-side `-l` of each (None where it failed); cause: why the
    guest stopped early, if it did; fault: (time, console line) or None.
    """
    results = []
    for name in binaries:
        area, binary = name.split("/", 1)
        run = channel.binaries.get(name)
        expected = expected_tests(run, listings.get(name))
        if run is None or run.log is None:
            run = BinaryRun(name, log=TapLog())
            ending = CutOff(cause or "never started")
        else:
            ending = ending_of(run, test_timeout_s, cause or "no end marker")
        judged = judge_binary(area, binary, run.log, expected, ending,
                              run.ended_at or channel.last_time)
        if fault or cause:
            blame(judged, run, fault, cause)
        results += judged
    return results


def blame(results: list[Result], run: BinaryRun, fault, cause: str) -> None:
    """Tests not finished before the fault (or before the guest stopped)
    become ERROR with its reason; tests that finished earlier keep theirs."""
    fault_time = fault[0] if fault else None
    ended = {t.name: t.ended_at for t in run.log.tests if t.finished}
    if run.rc is not None:
        ended[""] = run.ended_at        # the binary itself ended
    for result in results:
        parts = result.test.split("/", 2)
        name = parts[2] if len(parts) == 3 else ""
        if name in ended and not (fault_time is not None and ended[name] is not None
                                  and ended[name] > fault_time):
            continue                    # finished before the trouble
        result.status = ERROR
        result.reason = (f"kernel fault on the console: {fault[1]}" if fault
                         else cause).strip()[:MAX_REASON]


def skipped_or_missed(binaries: list[str], listings: dict, status: str,
                      reason: str) -> list[Result]:
    """One record per known test (or per binary when its list is unknown)."""
    results = []
    for name in binaries:
        area, binary = name.split("/", 1)
        tests = listings.get(name) or [""]
        for test in tests:
            test_id = f"{name}/{test}" if test else name
            results.append(Result(test_id, binary, area, status, reason[:MAX_REASON]))
    return results
