"""Kernels from Debian's archive: resolve a source, fetch, keep what a cell needs.

The cache ($KVMABI_CACHE/kernels/<package>_<version>/) holds vmlinuz, the
kvm modules and their dependencies decompressed, and kernel.json; the .debs
are deleted once unpacked. A warm run downloads nothing.
"""
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import modules
from .apt import Apt, AptError, cache_root  # noqa: F401
from .archive import Archive, FetchError, Image, resolve

FETCH_ERRORS = (AptError, modules.ModuleError, OSError, subprocess.SubprocessError)


@dataclass
class Fetched:
    """A kernel ready to boot: vmlinuz and the modules each vendor needs."""
    name: str
    release: str
    version: str          # exact package version (or "local")
    vmlinuz: Path
    module_dir: Path
    load_order: dict      # {"kvm_amd": ["irqbypass.ko", ...], "kvm_intel": [...]}

    @property
    def series(self) -> str:
        return ".".join(re.split(r"[.-]", self.release)[:2])


def kernel_dir(image: Image) -> Path:
    return cache_root() / "kernels" / f"{image.package}_{image.version}"


def fetch_debian(name: str, image: Image, apt: Apt) -> Fetched:
    """The cached kernel, fetching and unpacking it first if needed."""
    target = kernel_dir(image)
    if not (target / "kernel.json").exists():
        with tempfile.TemporaryDirectory(dir=cache_root()) as scratch:
            tree = Path(scratch) / "tree"
            for part in image.parts():
                deb = apt.download(part, image.version, Path(scratch) / "debs")
                subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True,
                               capture_output=True)
                deb.unlink()
            keep(tree, image.release, target)
    return load(name, target, image.version)


def keep(tree: Path, release: str, target: Path) -> None:
    """Copy vmlinuz and the needed modules out of an unpacked package tree."""
    vmlinuz = next((p for p in (tree / f"boot/vmlinuz-{release}",
                                tree / f"usr/lib/modules/{release}/vmlinuz",
                                tree / f"lib/modules/{release}/vmlinuz") if p.exists()), None)
    if vmlinuz is None:
        raise FetchError(f"no vmlinuz for {release} in the package")
    roots = [d for d in (tree / f"lib/modules/{release}",
                         tree / f"usr/lib/modules/{release}") if d.is_dir()]
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "modules").mkdir(parents=True)
    shutil.copy(vmlinuz, partial / "vmlinuz")
    order = modules.collect(roots, partial / "modules")
    (partial / "kernel.json").write_text(json.dumps(
        {"release": release, "load_order": order}, indent=1) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)


def load(name: str, target: Path, version: str) -> Fetched:
    facts = json.loads((target / "kernel.json").read_text())
    return Fetched(name, facts["release"], version, target / "vmlinuz",
                   target / "modules", facts["load_order"])


def fetch_local(name: str, spec: str) -> Fetched:
    """local:<tree> or local:<bzImage>,<modules dir>: cached by path and mtime."""
    image, _, mod_root = spec.partition(",")
    image = Path(image)
    if image.is_dir():
        image, mod_root = image / "arch/x86/boot/bzImage", str(image)
    if not image.is_file() or not Path(mod_root or "/nonexistent").is_dir():
        raise FetchError(f"local:{spec}: needs a kernel tree or <bzImage>,<modules dir>")
    stamp = f"{image.stat().st_mtime_ns}"
    target = cache_root() / "kernels" / f"local-{name}-{stamp}"
    if not (target / "kernel.json").exists():
        release = modules.release_of(Path(mod_root)) or f"local-{name}"
        with tempfile.TemporaryDirectory(dir=cache_root()) as scratch:
            tree = Path(scratch)
            (tree / "boot").mkdir()
            shutil.copy(image, tree / f"boot/vmlinuz-{release}")
            (tree / "lib/modules").mkdir(parents=True)
            (tree / f"lib/modules/{release}").symlink_to(Path(mod_root).resolve())
            keep(tree, release, target)
    return load(name, target, "local")


def fetch(name: str, source: str, archive: Archive) -> Fetched:
    """Resolve and fetch; any trouble is one FetchError line."""
    try:
        cache_root().mkdir(parents=True, exist_ok=True)
        if source.startswith("local:"):
            return fetch_local(name, source[len("local:"):])
        image = resolve(archive.images(), source[len("debian:"):])
        return fetch_debian(name, image, archive.apt)
    except FetchError:
        raise
    except FETCH_ERRORS as err:
        raise FetchError(f"cannot fetch {source}: {describe(err)}")


def describe(err: Exception) -> str:
    if isinstance(err, subprocess.CalledProcessError):
        return f"{err.cmd[0]} failed: {(err.stderr or b'').decode(errors='replace').strip()[:200]}"
    if isinstance(err, OSError):
        return f"{err.filename or ''}: {err.strerror}"
    return str(err)
