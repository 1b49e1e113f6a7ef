"""The kvm modules a cell loads, with their dependencies, decompressed.

Dependencies come from `modinfo -F depends` (kvm needs irqbypass, kvm_amd
needs ccp, which may need rng-core); load order is dependencies first.
"""
import lzma
import gzip
import shutil
import subprocess
from pathlib import Path

ROOTS = ("kvm_amd", "kvm_intel")
SUFFIXES = (".ko", ".ko.xz", ".ko.gz", ".ko.zst")


class ModuleError(Exception):
    """A module cannot be found, read or decompressed."""


def module_name(path: Path) -> str:
    name = path.name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            name = name[:-len(suffix)]
    return name.replace("-", "_")


def index(roots) -> dict[str, Path]:
    """Module name (dashes as underscores) -> file, across the trees."""
    found = {}
    for root in roots:
        for suffix in SUFFIXES:
            for path in Path(root).rglob(f"*{suffix}"):
                found.setdefault(module_name(path), path)
    return found


def decompress(source: Path, dest: Path) -> None:
    if source.name.endswith(".zst"):
        done = subprocess.run(["zstd", "-q", "-d", "-f", str(source), "-o", str(dest)],
                              capture_output=True, text=True)
        if done.returncode:
            raise ModuleError(f"zstd -d {source.name}: {done.stderr.strip()[:200]}")
        return
    opener = lzma.open if source.name.endswith(".xz") else \
        gzip.open if source.name.endswith(".gz") else open
    try:
        with opener(source, "rb") as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
    except (lzma.LZMAError, gzip.BadGzipFile, EOFError) as err:
        raise ModuleError(f"cannot decompress {source.name}: {err}")


def depends(path: Path) -> list[str]:
    """Names a module needs loaded first (modinfo -F depends)."""
    try:
        done = subprocess.run(["modinfo", "-F", "depends", str(path)],
                              capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise ModuleError("modinfo is not installed (Debian package kmod)")
    if done.returncode:
        raise ModuleError(f"modinfo {path.name}: {done.stderr.strip()[:200]}")
    return [n.replace("-", "_") for n in done.stdout.strip().split(",") if n]


def parse_modules_dep(text: str) -> dict[str, list[str]]:
    """modules.dep ("kernel/a.ko: kernel/b.ko ...") as name -> dependency names."""
    deps = {}
    for line in text.splitlines():
        module, _, needs = line.partition(":")
        if module.strip():
            deps[module_name(Path(module.strip()))] = \
                [module_name(Path(n)) for n in needs.split()]
    return deps


def load_order(root: str, deps_of) -> list[str]:
    """Names in an order where each comes after its dependencies."""
    order, visiting = [], set()

    def visit(name):
        if name in order:
            return
        if name in visiting:
            raise ModuleError(f"module dependency loop through {name}")
        visiting.add(name)
        for dep in deps_of(name):
            visit(dep)
        visiting.discard(name)
        order.append(name)

    visit(root)
    return order


def collect(roots, dest: Path) -> dict[str, list[str]]:
    """Decompress kvm_amd, kvm_intel and what they need into dest.

    Returns {"kvm_amd": ["irqbypass.ko", "kvm.ko", ...], ...}; a vendor
    module the kernel lacks is left out.
    """
    files = index(roots)
    if "kvm" not in files:
        raise ModuleError("the package has no kvm module (kvm.ko)")
    known: dict[str, list[str]] = {}

    def deps_of(name):
        if name not in known:
            if name not in files:
                raise ModuleError(f"module {name} is needed but not in the package")
            decompress(files[name], dest / f"{name}.ko")
            known[name] = depends(dest / f"{name}.ko")
        return known[name]

    return {root: [f"{n}.ko" for n in load_order(root, deps_of)]
            for root in ROOTS if root in files}


def release_of(mod_root: Path) -> str | None:
    """The kernel release a modules directory was built for."""
    if (mod_root / "modules.dep").exists():
        return mod_root.name
    for path in index([mod_root]).values():
        done = subprocess.run(["modinfo", "-F", "vermagic", str(path)],
                              capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.split():
            return done.stdout.split()[0]
    return None
