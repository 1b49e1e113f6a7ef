"""The runner against fake binaries: crashes, hangs, and missing tests."""
import os
import time

from results.runner import find_binaries, run_all, run_binary
from results.tests.fakes import PASSING, fake_binary, tap

TWO_TESTS = [("global", [], ["one", "two"])]
THREE_TESTS = [("global", [], ["one", "two", "three"])]


def statuses(results):
    return {r.test: r.status for r in results}


def gone(pid: int) -> bool:
    """True if pid no longer runs (a zombie left to init counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_passing_binary(tmp_path):
    binary = fake_binary(tmp_path, "basic", "ok", TWO_TESTS, PASSING)
    results = run_binary(binary, tmp_path / "ok.tap", 10)
    assert statuses(results) == {"basic/ok/global.one": "PASS",
                                 "basic/ok/global.two": "PASS"}
    assert all(r.binary == "ok" and r.area == "basic" for r in results)
    assert all(isinstance(r.duration_s, float) for r in results)


def test_segfault_mid_test(tmp_path):
    body = tap("TAP version 13", "1..3",
               "#  RUN           global.one ...", "ok 1 global.one",
               "#  RUN           global.two ...", "# about to crash") + "\nkill -SEGV $$"
    binary = fake_binary(tmp_path, "basic", "crash", THREE_TESTS, body)
    tap_path = tmp_path / "runs" / "crash.tap"
    results = {r.test: r for r in run_binary(binary, tap_path, 10)}
    assert results["basic/crash/global.one"].status == "PASS"
    two = results["basic/crash/global.two"]
    assert two.status == "ERROR"
    assert two.reason.startswith("binary killed by signal 11 (SIGSEGV) while this test ran")
    three = results["basic/crash/global.three"]
    assert (three.status, three.duration_s) == ("MISS", None)
    assert "binary crash stopped (killed by signal 11" in three.reason
    assert tap_path.read_text().endswith("# about to crash\n")


def test_hang_is_killed_at_timeout_with_nothing_left_behind(tmp_path):
    pids = tmp_path / "pids"
    # One child in the binary's process group, one that, like a kselftest
    # test child, moved to its own process group.
    body = tap("TAP version 13", "1..2", "#  RUN           global.one ...") + f"""
sleep 1000 &
echo $! >> {pids}
/usr/bin/python3 -c 'import os, time; os.setpgid(0, 0); print(os.getpid(), flush=True); time.sleep(1000)' >> {pids} &
echo $$ >> {pids}
wait"""
    binary = fake_binary(tmp_path, "basic", "hang", TWO_TESTS, body)
    tap_path = tmp_path / "hang.tap"
    started = time.monotonic()
    results = {r.test: r for r in run_binary(binary, tap_path, 2)}
    assert time.monotonic() - started < 8
    one = results["basic/hang/global.one"]
    assert one.status == "ERROR"
    assert one.reason.startswith("binary killed at its 2 s timeout while this test ran")
    assert 1.5 < one.duration_s < 5
    assert results["basic/hang/global.two"].status == "MISS"
    assert "#  RUN           global.one ..." in tap_path.read_text()
    left = [int(pid) for pid in pids.read_text().split()]
    assert len(left) == 3 and all(gone(pid) for pid in left)


def test_listed_tests_that_never_run_are_missing(tmp_path):
    binary = fake_binary(tmp_path, "basic", "short", THREE_TESTS, PASSING)
    results = statuses(run_binary(binary, tmp_path / "short.tap", 10))
    assert results == {"basic/short/global.one": "PASS",
                       "basic/short/global.two": "PASS",
                       "basic/short/global.three": "MISS"}


def test_binary_that_cannot_list_or_run(tmp_path):
    binary = tmp_path / "tests" / "basic" / "broken"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\necho 'cannot open /dev/kvm' >&2\nexit 3\n")
    os.chmod(binary, 0o755)
    results = run_binary(binary, tmp_path / "broken.tap", 10)
    assert [(r.test, r.status) for r in results] == [("basic/broken", "ERROR")]
    assert "exited with status 3" in results[0].reason
    assert "cannot open /dev/kvm" in results[0].reason


def test_run_all_goes_through_sorted_executables(tmp_path):
    fake_binary(tmp_path, "xsave", "b", TWO_TESTS, PASSING)
    fake_binary(tmp_path, "basic", "z", TWO_TESTS, PASSING)
    (tmp_path / "tests" / "basic" / "z.o").write_text("")
    (tmp_path / "tests" / "basic" / "notes").write_text("not executable")
    assert [p.name for p in find_binaries(tmp_path)] == ["z", "b"]
    results = run_all(tmp_path, tmp_path / "taps", 10)
    assert len(results) == 4
    assert (tmp_path / "taps" / "xsave" / "b.tap").is_file()
