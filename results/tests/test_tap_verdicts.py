"""TAP parsing and the verdict rules, on canned harness output."""
from results.process import Ending
from results.tap import parse_lines, split_directive
from results.verdict import judge_binary

EXAMPLE = """\
TAP version 13
1..3
# Starting 3 tests from 1 test cases.
#  RUN           global.api_version_is_12 ...
#            OK  global.api_version_is_12
ok 1 global.api_version_is_12
#  RUN           xsave.avx.roundtrip ...
# roundtrip.c:45:roundtrip:Expected a (1) == b (2)
# roundtrip: Test failed
#          FAIL  xsave.avx.roundtrip
not ok 2 xsave.avx.roundtrip
#  RUN           global.needs_amx ...
#      SKIP      host lacks AMX: ARCH_GET_XCOMP_SUPP has no bit 18
#            OK  global.needs_amx
ok 3 global.needs_amx # SKIP host lacks AMX: ARCH_GET_XCOMP_SUPP has no bit 18
# PASSED: 2 / 3 tests passed.
# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
"""
EXITED_1 = Ending("exit", 1)


def verdicts(text, expected=None, ending=EXITED_1):
    log = parse_lines(text.splitlines())
    results = judge_binary("area", "bin", log, expected, ending, None)
    return {r.test.removeprefix("area/bin/"): (r.status, r.reason) for r in results}


def one_test(name, *diagnostics, result="not ok 1 {name}"):
    lines = [f"#  RUN           {name} ..."] + list(diagnostics) + \
        [result.format(name=name)]
    return "\n".join(lines)


def test_example_output():
    assert verdicts(EXAMPLE) == {
        "global.api_version_is_12": ("PASS", ""),
        "xsave.avx.roundtrip": ("FAIL", "roundtrip.c:45:roundtrip:Expected a (1) == b (2)"),
        "global.needs_amx": ("SKIP", "host lacks AMX: ARCH_GET_XCOMP_SUPP has no bit 18"),
    }


def test_skip_without_reason_stays_visible():
    text = one_test("global.t", result="ok 1 {name} # SKIP ")
    assert verdicts(text)["global.t"] == ("SKIP", "skipped without a reason")


def test_xfail_and_xpass_directives():
    text = "\n".join([one_test("f.a", result="ok 1 {name} # XFAIL fixed by abc123"),
                      one_test("f.b", result="ok 2 {name} # XPASS unknown")])
    assert verdicts(text) == {"f.a": ("XFAIL", "fixed by abc123"),
                              "f.b": ("XPASS", "unknown")}


def test_fail_without_diagnostic_uses_tap_message_or_says_so():
    assert verdicts(one_test("f.a", "# a: Test failed"))["f.a"] == \
        ("FAIL", "failed without a diagnostic")
    assert verdicts(one_test("f.a", result="not ok 1 {name} #  why"))["f.a"] == \
        ("FAIL", "why")


def test_kvmabi_fail_marker_is_the_reason():
    text = one_test("f.a", "# f.c:3:a:setting up", "# KVMABI_FAIL: KVM_RUN: EINVAL",
                    "# a: Test failed")
    assert verdicts(text)["f.a"] == ("FAIL", "KVM_RUN: EINVAL")


def test_environment_markers_make_error():
    cases = {"# KVMABI_ERROR: mmap: ENOMEM": "mmap: ENOMEM",
             "# a: Test terminated by timeout": "a: Test terminated by timeout",
             "# a: Test terminated unexpectedly by signal 11":
                 "a: Test terminated unexpectedly by signal 11",
             "# a: Test terminated by assertion": "a: Test terminated by assertion"}
    for line, reason in cases.items():
        assert verdicts(one_test("f.a", line))["f.a"] == ("ERROR", reason)


def test_failed_assert_macro_is_fail_not_error():
    # ASSERT_*() logs its "Expected" line, then abort()s: a failed check.
    text = one_test("f.a", "# t.c:9:a:Expected 12 (12) == v (11)",
                    "# a: Test terminated by assertion")
    assert verdicts(text)["f.a"] == ("FAIL", "t.c:9:a:Expected 12 (12) == v (11)")


def test_unfinished_test_is_error_and_unstarted_are_miss():
    text = "1..3\n" + one_test("f.a", result="ok 1 {name}") + \
        "\n#  RUN           f.b ...\n# doing things"
    got = verdicts(text, ["f.a", "f.b", "f.c"], Ending("signal", 11))
    assert got["f.a"] == ("PASS", "")
    assert got["f.b"] == ("ERROR", "binary killed by signal 11 (SIGSEGV) "
                          "while this test ran; last output: doing things")
    assert got["f.c"] == ("MISS", "binary bin stopped (killed by signal 11 "
                          "(SIGSEGV)) before this test ran")


def test_listing_failed_and_nothing_printed_gives_one_binary_error():
    results = judge_binary("area", "bin", parse_lines(["boom"]), None,
                           Ending("exit", 127), None)
    assert [(r.test, r.status) for r in results] == [("area/bin", "ERROR")]
    assert "exited with status 127" in results[0].reason
    assert "boom" in results[0].reason


def test_crash_after_all_tests_is_still_reported():
    text = "1..1\n" + one_test("f.a", result="ok 1 {name}")
    got = verdicts(text, ["f.a"], Ending("signal", 6))
    assert got["f.a"] == ("PASS", "")
    assert got["area/bin"] == ("ERROR", "binary killed by signal 6 (SIGABRT); "
                               "last output: ok 1 f.a")


def test_directive_split():
    assert split_directive(" # SKIP no AMX".partition(" #")[2]) == ("SKIP", "no AMX")
    assert split_directive("  unknown") == ("", "unknown")


def test_durations_come_from_timestamps():
    log = parse_lines([])
    log.feed("#  RUN           f.a ...", 10.0)
    log.feed("ok 1 f.a", 12.5)
    log.feed("#  RUN           f.b ...", 13.0)
    results = judge_binary("x", "y", log, ["f.a", "f.b"], Ending("timeout", timeout_s=5), 20.0)
    assert [r.duration_s for r in results] == [2.5, 7.0]
    assert results[1].reason.startswith("binary killed at its 5 s timeout while")


def test_harness_unknown_reason_falls_back_to_the_diagnostic():
    # Real 6.12 output for an XFAIL_ADD()ed test whose ASSERT failed.
    text = one_test("fx.amx.roundtrip", "# demo.c:18:roundtrip:Expected 1 (1) == v (2)",
                    "# roundtrip: Test terminated by assertion",
                    "#          FAIL  fx.amx.roundtrip",
                    result="ok 11 {name} # XFAIL unknown")
    assert verdicts(text)["fx.amx.roundtrip"] == \
        ("XFAIL", "demo.c:18:roundtrip:Expected 1 (1) == v (2)")


def test_skip_after_a_failed_expect_is_fail():
    # kselftest's SKIP() overwrites the exit code after an EXPECT failed.
    text = one_test("fx.case.rule", "# t.c:9:rule:Expected 0 (0) == r (-22)",
                    "#      SKIP      later requirement missing",
                    "#            OK  fx.case.rule",
                    result="ok 1 {name} # SKIP later requirement missing")
    assert verdicts(text)["fx.case.rule"] == ("FAIL", "t.c:9:rule:Expected 0 (0) == r (-22)")
