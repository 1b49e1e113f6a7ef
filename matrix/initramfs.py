"""The initramfs of a cell: busybox, the kvm modules, the tests, the init.

Written directly as a newc cpio (no root needed for /dev/console) and cached
under $KVMABI_CACHE/initramfs/ by a hash of every input.
"""
import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

from .apt import cache_root
from .config import HERE

REPO = HERE.parent
INIT = REPO / "harness" / "init.sh"
FACTS_SOURCE = HERE / "kvm_facts.c"
BUSYBOX_PATHS = ("/bin/busybox", "/usr/bin/busybox")
KEEP = 24               # initramfs images kept in the cache


class InitramfsError(Exception):
    """The initramfs cannot be built: one line saying why."""


def newc_entry(name: str, mode: int, data: bytes = b"", rdev=(0, 0), ino=1) -> bytes:
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name) + 1, 0]
    header = b"070701" + b"".join(b"%08X" % value for value in fields)
    blob = header + name.encode() + b"\0"
    blob += b"\0" * (-len(blob) % 4) + data
    return blob + b"\0" * (-len(blob) % 4)


def cpio(files: dict[str, bytes], dirs: list[str]) -> bytes:
    """A newc archive: dirs, /dev/console, then files (all executable)."""
    out, ino = [], 1
    for name in dirs:
        ino += 1
        out.append(newc_entry(name, 0o040755, ino=ino))
    out.append(newc_entry("dev/console", 0o020600, rdev=(5, 1), ino=ino + 1))
    for name, data in sorted(files.items()):
        ino += 1
        out.append(newc_entry(name, 0o100755, data, ino=ino + 1))
    out.append(newc_entry("TRAILER!!!", 0, ino=0))
    return b"".join(out)


def busybox() -> bytes:
    for path in BUSYBOX_PATHS:
        if Path(path).is_file():
            return Path(path).read_bytes()
    raise InitramfsError("busybox is not installed: install Debian's busybox-static")


def kvm_facts() -> bytes:
    """The static kvm-facts helper, compiled once per source text."""
    source = FACTS_SOURCE.read_bytes()
    target = cache_root() / "tools" / f"kvm-facts-{hashlib.sha256(source).hexdigest()[:16]}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["gcc", "-static", "-O2", "-o", f"{target}.tmp",
                               str(FACTS_SOURCE)], capture_output=True, text=True)
        if done.returncode:
            raise InitramfsError(f"cannot build kvm-facts: {done.stderr.strip()[:200]}")
        os.replace(f"{target}.tmp", target)
    return target.read_bytes()


def test_binaries(build_dir: Path) -> dict[str, bytes]:
    """tests/<area>/<binary> for every executable the build made, stripped
    of debug info: half the initramfs, and the guest unpacks it under TCG."""
    found = {}
    for path in sorted((Path(build_dir) / "tests").glob("*/*")):
        if path.is_file() and not path.suffix and os.access(path, os.X_OK):
            found[f"tests/{path.parent.name}/{path.name}"] = stripped(path)
    return found


def stripped(path: Path) -> bytes:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / path.name
        done = subprocess.run(["strip", "--strip-debug", "-o", str(out), str(path)],
                              capture_output=True)
        return out.read_bytes() if done.returncode == 0 else path.read_bytes()


def contents(kernel, tests) -> dict[str, bytes]:
    """Every file of the archive; tests: a build dir or test_binaries() of one."""
    files = {"init": INIT.read_bytes(), "bin/busybox": busybox(),
             "kvm-facts": kvm_facts()}
    for vendor, order in kernel.load_order.items():
        files[f"kvm/{vendor}.order"] = ("\n".join(order) + "\n").encode()
        for name in order:
            files[f"kvm/{name}"] = (Path(kernel.module_dir) / name).read_bytes()
    files.update(tests if isinstance(tests, dict) else test_binaries(tests))
    return files


def build(kernel, tests) -> Path:
    """The cached initramfs for this kernel's modules and these tests (a
    build dir, or the snapshot test_binaries() took of one)."""
    try:
        files = contents(kernel, tests)
    except OSError as err:
        raise InitramfsError(f"cannot read {err.filename}: {err.strerror}")
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    target = cache_root() / "initramfs" / f"{digest.hexdigest()[:24]}.cpio"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        dirs = sorted({"bin", "dev", "proc", "sys", "tmp", "kvm", "tests"} |
                      {str(Path(n).parent) for n in files if "/" in n})
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        temporary.write_bytes(cpio(files, dirs))
        os.replace(temporary, target)
        prune(target.parent)
    os.utime(target)
    return target


def prune(folder: Path) -> None:
    images = sorted(folder.glob("*.cpio"), key=lambda p: p.stat().st_mtime)
    for old in images[:-KEEP]:
        old.unlink(missing_ok=True)
