"""The QEMU launcher: the whole command line is built in argv() below."""
import glob
import os
import shutil
from pathlib import Path

from .boot import BootOutcome, BootSpec, supervise

BINARY = "qemu-system-x86_64"


def argv(spec: BootSpec) -> list[str]:
    """QEMU's arguments for one boot: q35, serial ttyS0 and ttyS1 to files."""
    accel = spec.options.get("accel", "tcg")
    cpus = int(spec.options.get("smp", 1))
    args = [BINARY, "-machine", "q35", "-m", str(spec.memory_mb),
            "-nographic", "-no-reboot", "-nodefaults", "-no-user-config",
            "-kernel", str(spec.kernel), "-initrd", str(spec.initrd),
            "-append", spec.cmdline,
            "-chardev", f"file,id=console,path={spec.console_path}",
            "-serial", "chardev:console",
            "-chardev", f"file,id=channel,path={spec.channel_path}",
            "-serial", "chardev:channel",
            "-monitor", "none"]
    if accel == "kvm":
        args += ["-accel", "kvm", "-cpu", spec.cpu]
    else:
        # Multi-threaded TCG with more than one vCPU oopses 6.12 (DESIGN.md).
        args += ["-accel", "tcg,thread=single" if cpus > 1 else "tcg", "-cpu", spec.cpu]
    if cpus > 1:
        args += ["-smp", str(cpus)]
    return args


def available(options: dict) -> str | None:
    if shutil.which(BINARY) is None:
        return f"{BINARY} is not installed (Debian package qemu-system-x86)"
    if options.get("accel") == "kvm":
        return nested_kvm_problem()
    return None


def nested_kvm_problem() -> str | None:
    """Why this machine's /dev/kvm cannot run a guest that uses KVM itself."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm is absent or not accessible here"
    flags = glob.glob("/sys/module/kvm_*/parameters/nested")
    if not flags:
        return "no kvm_amd or kvm_intel module here: /dev/kvm comes from " \
               "a backend without nested virtualization"
    for path in flags:
        if Path(path).read_text().strip() in ("1", "Y", "y"):
            return None
    return f"nested virtualization is off here ({flags[0]} is " \
           f"{Path(flags[0]).read_text().strip()})"


def launch(spec: BootSpec) -> BootOutcome:
    return supervise(argv(spec), spec)
