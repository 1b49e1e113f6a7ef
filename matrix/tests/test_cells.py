"""Verdicts of fake cells: a fake launcher writes a canned console and channel."""
import json
import time

import pytest

from matrix import cell as cells
from matrix.boot import BootOutcome
from matrix.config import Platform
from matrix.fetch import Fetched

LISTING = ["# FIXTURE            VARIANT                   TEST",
           "global                                         one",
           "                                               two",
           "                                               three"]
TESTS = ["global.one", "global.two", "global.three"]
FACTS = ["KVMABI-FACT release=6.12.1-amd64", "KVMABI-FACT supported_xcr0=0x207"]


def listed(name):
    return [f"KVMABI-BEGIN list {name}", *LISTING, f"KVMABI-END list {name} rc=4"]


def ran(number, name):
    return [f"#  RUN           {name} ...", f"ok {number} {name}"]


START = FACTS + listed("basic/a") + listed("basic/b") + ["KVMABI-BEGIN run basic/a",
                                                          "TAP version 13", "1..3"]
ALL_A = ran(1, "global.one") + ran(2, "global.two") + ran(3, "global.three") + \
    ["KVMABI-END run basic/a rc=0"]
ALL_B = ["KVMABI-BEGIN run basic/b"] + ALL_A[:-1] + ["KVMABI-END run basic/b rc=0"]


class FakeLauncher:
    """Writes steps of (channel lines, console lines) with pauses between."""

    def __init__(self, steps, outcome):
        self.steps, self.outcome = steps, outcome

    def available(self, options):
        return None

    def launch(self, spec):
        for channel, console in self.steps:
            with open(spec.channel_path, "a") as out:
                out.write("".join(line + "\n" for line in channel))
            with open(spec.console_path, "a") as out:
                out.write("".join(line + "\n" for line in console))
            time.sleep(0.2)
        return self.outcome


@pytest.fixture
def run_fake(tmp_path, monkeypatch):
    monkeypatch.setattr(cells, "fetch", lambda name, source, archive: Fetched(
        name, "6.12.1-amd64", "6.12.1-1", tmp_path / "vmlinuz", tmp_path, {}))
    monkeypatch.setattr(cells.initramfs, "build", lambda kernel, build: tmp_path / "initrd")
    platform = Platform("fake", "qemu", "tcg", "EPYC", "kvm_amd", timeout_s=5)

    def run(steps, outcome=BootOutcome(1.0, returncode=0)):
        ctx = cells.Context(tmp_path / "run", tmp_path, None, ["basic/a", "basic/b"],
                            {"basic/a": TESTS, "basic/b": TESTS},
                            launchers={"qemu": FakeLauncher(steps, outcome)})
        result = cells.run_cell(cells.Cell("6.12", "debian:6.12", platform), ctx)
        return {r.test: (r.status, r.reason) for r in result.results}, result
    return run


def test_clean_cell(run_fake):
    verdicts, outcome = run_fake([(START + ALL_A + ALL_B + ["KVMABI-DONE"], [])])
    assert {s for s, _ in verdicts.values()} == {"PASS"} and len(verdicts) == 6
    assert outcome.info["facts"]["supported_xcr0"] == "0x207"
    assert outcome.results[0].kernel_version == "6.12.1-1"


def test_panic_keeps_earlier_verdicts_and_errors_the_rest(run_fake):
    panic = "[   9.1] Kernel panic - not syncing: Fatal exception"
    verdicts, outcome = run_fake(
        [(START + ran(1, "global.one") + ["#  RUN           global.two ..."], []),
         ([], ["[   9.0] Oops: general protection fault", panic])],
        BootOutcome(2.0, note="killed after kernel panic"))
    assert verdicts["basic/a/global.one"] == ("PASS", "")
    for test in ("basic/a/global.two", "basic/a/global.three", "basic/b/global.one"):
        status, reason = verdicts[test]
        assert status == "ERROR" and "Oops: general protection fault" in reason
    assert outcome.info["fault"] == "Oops: general protection fault"


def test_warning_mid_run_errors_the_tests_after_it(run_fake):
    verdicts, _ = run_fake(
        [(START + ran(1, "global.one"), []),
         ([], ["[   5.0] WARNING: CPU: 0 PID: 77 at arch/x86/kvm/x86.c:1 kvm_arch_vcpu_ioctl"]),
         (ran(2, "global.two") + ran(3, "global.three") + ["KVMABI-END run basic/a rc=0"]
          + ALL_B + ["KVMABI-DONE"], [])])
    assert verdicts["basic/a/global.one"] == ("PASS", "")
    assert verdicts["basic/a/global.two"][0] == "ERROR"
    assert "WARNING: CPU: 0 PID: 77" in verdicts["basic/b/global.three"][1]


def test_hung_vm_is_error_and_keeps_partial_tap(run_fake, tmp_path):
    verdicts, outcome = run_fake(
        [(START + ran(1, "global.one") + ["#  RUN           global.two ..."], [])],
        BootOutcome(5.0, timed_out=True, note="killed at the 5 s cell timeout"))
    assert verdicts["basic/a/global.one"] == ("PASS", "")
    assert verdicts["basic/a/global.two"] == ("ERROR", "the VM hung: killed at the 5 s cell timeout")
    assert verdicts["basic/b/global.one"][0] == "ERROR"
    tap = (tmp_path / "run/6.12/fake/basic/a.tap").read_text()
    assert "ok 1 global.one" in tap and "global.two" in tap
    assert json.loads((tmp_path / "run/6.12/fake/cell.json").read_text())["boot"]["timed_out"]


def test_missing_launcher_is_miss(tmp_path):
    ctx = cells.Context(tmp_path / "run", tmp_path, None, ["basic/a"], {"basic/a": TESTS},
                        launchers={"bochs": None})
    platform = Platform("bochs-vmx", "bochs", cpu="corei7", module="kvm_intel")
    result = cells.run_cell(cells.Cell("6.12", "debian:6.12", platform), ctx)
    assert {(r.status, r.reason) for r in result.results} == \
        {("MISS", "bochs launcher not available")}
    assert len(result.results) == 3


def test_platform_limit_is_skip_not_the_kernels_fault(run_fake, monkeypatch, tmp_path):
    from matrix.config import Limit
    platform = Platform("fake", "qemu", "tcg", "EPYC", "kvm_amd",
                        limits=(Limit(("6.12",), "emulator hides XSAVE from 6.12"),))
    ctx = cells.Context(tmp_path / "run", tmp_path, None, ["basic/a"], {"basic/a": TESTS},
                        launchers={"qemu": FakeLauncher([], None)})
    result = cells.run_cell(cells.Cell("6.12", "debian:6.12", platform), ctx)
    assert {(r.status, r.reason) for r in result.results} == \
        {("SKIP", "emulator hides XSAVE from 6.12")}


def test_an_internal_error_is_the_cells_error_not_a_crash(tmp_path, monkeypatch):
    from matrix import plan
    monkeypatch.setattr(plan, "run_cell", lambda cell, ctx: 1 / 0)
    ctx = cells.Context(tmp_path / "run", tmp_path, None, ["basic/a"], {"basic/a": TESTS})
    the_plan = plan.Plan([], ctx, 1)
    outcome = plan.run_one(the_plan, cells.Cell("6.12", "debian:6.12", Platform("p", "qemu")))
    assert {r.status for r in outcome.results} == {"ERROR"}
    assert "ZeroDivisionError" in outcome.results[0].reason


def test_a_kvm_module_that_does_not_load_errors_every_test(run_fake):
    facts = FACTS + ["KVMABI-FACT module=kvm_amd",
                     "KVMABI-FACT module_load=failed: insmod: can't insert 'kvm.ko'"]
    verdicts, _ = run_fake([(facts + START[2:] + ALL_A + ALL_B + ["KVMABI-DONE"], [])])
    assert {v for v in verdicts.values()} == \
        {("ERROR", "kvm_amd did not load: failed: insmod: can't insert 'kvm.ko'")}


def test_end_marker_after_output_without_newline_still_ends_the_binary():
    from matrix.channel import parse_channel
    lines = [(0.0, "KVMABI-BEGIN run basic/x"), (0.1, "TAP version 13"),
             (0.2, "1..1"), (0.3, "#  RUN           global.t ..."),
             (0.4, "partial outputKVMABI-END run basic/x rc=137")]
    run = parse_channel(lines).binaries["basic/x"]
    assert run.rc == 137
    assert run.raw[-1] == "partial output"


def test_sigkill_well_before_the_timeout_is_not_called_a_timeout():
    from matrix.channel import BinaryRun
    from matrix.verdicts import ending_of
    early = BinaryRun("basic/x", rc=137, started_at=10.0, ended_at=12.0)
    late = BinaryRun("basic/x", rc=137, started_at=10.0, ended_at=311.0)
    assert "timeout" not in ending_of(early, 300, "").describe()
    assert "timeout" in ending_of(late, 300, "").describe()
