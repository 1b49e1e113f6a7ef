"""supervise(): how every launcher stops a VM; the QEMU command line."""
import pytest

from matrix import boot, qemu
from matrix.boot import BootSpec


@pytest.fixture
def spec(tmp_path):
    def make(script, timeout_s=5.0):
        emulator = tmp_path / "emulator"
        emulator.write_text(f"#!/bin/sh\n{script}\n")
        emulator.chmod(0o755)
        paths = tmp_path / "console.log", tmp_path / "channel.log"
        for path in paths:
            path.write_text("")
        return [str(emulator)], BootSpec(tmp_path / "vmlinuz", tmp_path / "initrd",
                                         "console=ttyS0", *paths, timeout_s, "EPYC")
    return make


@pytest.fixture(autouse=True)
def short_graces(monkeypatch):
    monkeypatch.setattr(boot, "AFTER_DONE_GRACE_S", 0.2)
    monkeypatch.setattr(boot, "AFTER_PANIC_GRACE_S", 0.2)


def test_an_emulator_that_exits(spec):
    argv, boot_spec = spec("exit 0")
    outcome = boot.supervise(argv, boot_spec)
    assert (outcome.returncode, outcome.timed_out, outcome.started) == (0, False, True)


def test_a_guest_that_is_done_but_does_not_power_off(spec):
    argv, boot_spec = spec("echo KVMABI-DONE >> "
                           "\"$(dirname $0)/channel.log\"; sleep 30")
    outcome = boot.supervise(argv, boot_spec)
    assert outcome.note == "stopped after the guest finished" and outcome.seconds < 5


def test_a_panic_is_killed(spec):
    argv, boot_spec = spec('echo "Kernel panic - not syncing: x" >> "$(dirname $0)/console.log"; '
                           "sleep 30")
    outcome = boot.supervise(argv, boot_spec)
    assert outcome.note == "killed after kernel panic" and not outcome.timed_out


def test_a_hang_is_killed_at_the_timeout(spec):
    argv, boot_spec = spec("sleep 30", timeout_s=0.5)
    outcome = boot.supervise(argv, boot_spec)
    assert outcome.timed_out and outcome.note == "killed at the 0.5 s cell timeout"


def test_an_emulator_that_cannot_start(spec, tmp_path):
    _, boot_spec = spec("exit 0")
    outcome = boot.supervise([str(tmp_path / "absent")], boot_spec)
    assert not outcome.started and "cannot start" in outcome.note


def test_qemu_command_line(spec):
    _, boot_spec = spec("")
    boot_spec.options = {"accel": "tcg"}
    args = qemu.argv(boot_spec)
    for flag in ("-no-reboot", "-nographic", "q35", "EPYC", "tcg"):
        assert flag in args
    assert args.count("-serial") == 2 and f"file,id=channel,path={boot_spec.channel_path}" in args
    boot_spec.options = {"accel": "kvm"}
    assert args != qemu.argv(boot_spec) and "kvm" in qemu.argv(boot_spec)
