"""The facts of the host cell, as matrix/kvm_facts.c gives them in a guest:
which kvm module, nested on or off, and what /dev/kvm offers, so a reader of
results.json sees why a test skipped on this host."""
import fcntl
import os
import struct
from pathlib import Path

# <linux/kvm.h>: _IO(KVMIO, n) and _IOWR(KVMIO, 0x05, struct kvm_cpuid2)
KVM_GET_API_VERSION = 0xAE00
KVM_CHECK_EXTENSION = 0xAE03
KVM_GET_SUPPORTED_CPUID = 0xC008AE05
KVM_CAP_NESTED_STATE = 157
KVM_CAP_XSAVE2 = 208
CPUID_ENTRY = struct.Struct("<7I12x")	# function index flags eax ebx ecx edx
CPUID_ENTRIES = 256


def loaded_module(sys_module=Path("/sys/module")) -> str:
    """The vendor module behind /dev/kvm: kvm_intel, kvm_amd or another
    backend (this project's development hosts have kvm_pvm)."""
    for name in ("kvm_intel", "kvm_amd"):
        if (sys_module / name).is_dir():
            return name
    others = sorted(p.name for p in sys_module.glob("kvm_*"))
    return others[0] if others else "none"


def nested(module: str, sys_module=Path("/sys/module")) -> str:
    try:
        return (sys_module / module / "parameters" / "nested").read_text().strip()
    except OSError:
        return "absent"


def supported_xcr0(fd: int) -> str:
    """KVM_GET_SUPPORTED_CPUID leaf 0xD subleaf 0, EDX:EAX."""
    buf = bytearray(struct.pack("<II", CPUID_ENTRIES, 0)
                    + bytes(CPUID_ENTRY.size * CPUID_ENTRIES))
    fcntl.ioctl(fd, KVM_GET_SUPPORTED_CPUID, buf)
    count = struct.unpack_from("<I", buf)[0]
    for i in range(count):
        fn, index, _flags, eax, _ebx, _ecx, edx = CPUID_ENTRY.unpack_from(
            buf, 8 + i * CPUID_ENTRY.size)
        if fn == 0xD and index == 0:
            return hex(edx << 32 | eax)
    return "0x0"


def host_facts() -> dict:
    """Facts of this host's KVM; {} for the ioctl ones if /dev/kvm won't open."""
    module = loaded_module()
    facts = {"module": module, "nested": nested(module)}
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return facts
    try:
        facts["api_version"] = str(fcntl.ioctl(fd, KVM_GET_API_VERSION, 0))
        facts["supported_xcr0"] = supported_xcr0(fd)
        for name, cap in (("cap_nested_state", KVM_CAP_NESTED_STATE),
                          ("cap_xsave2", KVM_CAP_XSAVE2)):
            facts[name] = str(fcntl.ioctl(fd, KVM_CHECK_EXTENSION, cap))
    except OSError as err:
        facts["error"] = f"{err.strerror}"
    finally:
        os.close(fd)
    return facts
