"""Facts about the machine a run happens on."""
import os
import platform
import subprocess
from pathlib import Path

from .kvmfacts import host_facts

REPO_ROOT = Path(__file__).resolve().parent.parent


class UsageError(Exception):
    """A problem the user must fix; printed as one `error:` line, exit 2."""


def check_kvm(device: str = "/dev/kvm") -> None:
    if not os.path.exists(device):
        raise UsageError(f"{device} does not exist: this kernel has no KVM "
                         "(load kvm_intel or kvm_amd, or use a machine with "
                         "virtualization)")
    if not os.access(device, os.R_OK | os.W_OK):
        raise UsageError(f"no permission on {device}: run as root or add "
                         "yourself to the kvm group")


def cpu_info(path: str = "/proc/cpuinfo") -> tuple[str, list[str]]:
    """Model name and flags of the first CPU ("unknown", [] if unreadable)."""
    model, flags = "unknown", []
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return model, flags
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and model == "unknown":
            model = value.strip()
        elif key == "flags" and not flags:
            flags = value.split()
    return model, flags


def kernel_version() -> str:
    return platform.release()


def tool_version() -> str:
    """`git describe --always --dirty` of this checkout, or 'unknown'."""
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty"],
                              cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() \
        else "unknown"


def host_cell() -> dict:
    """The results.json cell for running directly on this host."""
    model, flags = cpu_info()
    return {"kernel": "host", "kernel_version": kernel_version(),
            "platform": "host", "cpu_model": model, "cpu_flags": flags,
            "facts": host_facts()}
