"""Bochs 3.0 for the bochs-vmx platform: a private Debian trixie root.

This machine's own Bochs (2.7, bookworm) hides XSAVE from Linux 7.2 and makes
the KVM of 6.1/6.12 offer guests no XSAVE at all (DESIGN.md, "Measured on these
machines"), so every Bochs cell runs Bochs 3.0 from trixie.  Trixie's Bochs
needs trixie's libraries, so it lives in a minbase debootstrap under the cache
and runs through that root's own dynamic loader; nothing is installed on the
host beyond debootstrap and the ISO tools.

Set-up is idempotent: a stamp file marks a finished root, and a root without it
(an interrupted bootstrap) is removed and made again.  A lock keeps parallel
cells from bootstrapping twice.
"""

from __future__ import annotations

import fcntl
import glob
import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

SUITE = "trixie"
PACKAGES = ("bochs", "bochsbios", "vgabios", "bochs-term")
STAMP = ".kvmabi-bochs-complete"
APT_SOURCES = ("/etc/apt/sources.list.d", "/etc/apt/sources.list")

# Host tools the set-up and the ISO builder need, by the Debian package
# that provides them.
HOST_TOOLS = {
    "/usr/sbin/debootstrap": "debootstrap",
    "/usr/bin/xorriso": "xorriso",
    "/usr/lib/ISOLINUX/isolinux.bin": "isolinux",
    "/usr/lib/syslinux/modules/bios/ldlinux.c32": "syslinux-common",
}


class SetupError(RuntimeError):
    """The Bochs root or a host tool could not be made ready."""


def cache_dir() -> Path:
    """$KVMABI_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/kvmabi (as run.sh)."""
    if os.environ.get("KVMABI_CACHE"):
        return Path(os.environ["KVMABI_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(xdg) / "kvmabi"


def root_dir() -> Path:
    return cache_dir() / f"bochs-{SUITE}"


# --- the machine's Debian mirror -------------------------------------------

def _deb822_uris(text: str) -> list[str]:
    """URIs of the enabled 'Types: deb' stanzas of a .sources file."""
    uris = []
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        uris += fields.get("uris", "").split()
    return uris


def _one_line_uris(text: str) -> list[str]:
    """URIs of the 'deb URI suite ...' lines of a sources.list."""
    uris = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = [w for w in words[1:] if not w.startswith("[")]
        # Options may be "[a=b c=d]" split over several words.
        while words and words[0].endswith("]"):
            words.pop(0)
        if words:
            uris.append(words[0])
    return uris


def mirror_from_sources(files: dict[str, str]) -> str | None:
    """The main archive's URI among apt source files {path: text}.

    The security archive carries no trixie suite of its own name, so it is
    passed over; the first other http(s) URI wins.
    """
    uris = []
    for path, text in sorted(files.items()):
        parse = _deb822_uris if path.endswith(".sources") else _one_line_uris
        uris += parse(text)
    main = [u for u in uris if u.startswith(("http://", "https://", "file:"))
            and "security" not in u]
    return main[0] if main else None


def machine_mirror() -> str:
    files = {}
    for source in APT_SOURCES:
        paths = (glob.glob(source + "/*.sources") + glob.glob(source + "/*.list")
                 if os.path.isdir(source) else [source])
        for path in paths:
            try:
                files[path] = Path(path).read_text()
            except OSError:
                pass
    mirror = mirror_from_sources(files)
    if not mirror:
        raise SetupError("no Debian mirror in " + ", ".join(APT_SOURCES))
    return mirror


# --- host tools ---------------------------------------------------------------

def ensure_host_tools() -> None:
    """apt-get install whatever of debootstrap and the ISO tools is missing."""
    missing = sorted({pkg for path, pkg in HOST_TOOLS.items()
                      if not os.path.exists(path)})
    if not missing:
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(prefix + ["apt-get", "update", "-qq"], env=env, check=False)
    done = subprocess.run(prefix + ["apt-get", "install", "-y", "-qq",
                                    "--no-install-recommends", *missing],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        raise SetupError(f"apt-get install {' '.join(missing)} failed: "
                         + done.stderr.strip()[-300:])


# --- the trixie root -------------------------------------------------------------

def missing_parts(root: Path) -> list[str]:
    """What a usable Bochs root lacks (empty when it is complete)."""
    want = [
        "usr/bin/bochs-bin",
        "lib64/ld-linux-x86-64.so.2",
        "usr/share/bochs/BIOS-bochs-latest",
        "usr/share/vgabios/vgabios.bin",
    ]
    missing = [p for p in want if not (root / p).exists()]
    plugins = root / "usr/lib/x86_64-linux-gnu/bochs/plugins"
    # Bochs 3.0 builds hdimage in; the display is term_gui (see bochs.py).
    for plugin in ("serial", "harddrv", "acpi", "term_gui"):
        if not (plugins / f"libbx_{plugin}.so").exists():
            missing.append(f"{plugins.relative_to(root)}/libbx_{plugin}.so")
    return missing


def is_ready(root: Path | None = None) -> bool:
    root = root or root_dir()
    return (root / STAMP).exists() and not missing_parts(root)


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_root(log=print) -> Path:
    """The Bochs 3.0 root, bootstrapped on first use (about a minute)."""
    root = root_dir()
    if is_ready(root):
        return root
    with _locked(root.with_name(root.name + ".lock")):
        if is_ready(root):
            return root
        ensure_host_tools()
        if root.exists():
            log(f"bochs: removing unfinished {root}")
            shutil.rmtree(root)
        mirror = machine_mirror()
        log(f"bochs: setting up Bochs 3.0: debootstrap {SUITE} with "
            f"{','.join(PACKAGES)} into {root} (about a minute)")
        done = subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES),
             SUITE, str(root), mirror],
            capture_output=True, text=True)
        # Some GUI dependencies fail to configure in a chroot without
        # harm to bochs-bin: judge the result by what is there.
        missing = missing_parts(root)
        if missing:
            tail = (done.stdout + done.stderr).strip()[-600:]
            raise SetupError(f"debootstrap {SUITE} (exit {done.returncode}) left "
                             f"{root} without {', '.join(missing)}: {tail}")
        (root / STAMP).write_text(f"{SUITE} {mirror} exit={done.returncode}\n")
    return root


def command_prefix(root: Path) -> list[str]:
    """argv that runs the root's bochs-bin with the root's own libraries."""
    libs = ":".join(str(root / d) for d in ("lib/x86_64-linux-gnu",
                                            "usr/lib/x86_64-linux-gnu"))
    return [str(root / "lib64/ld-linux-x86-64.so.2"), "--library-path", libs,
            str(root / "usr/bin/bochs-bin")]


def environment(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["LTDL_LIBRARY_PATH"] = str(root / "usr/lib/x86_64-linux-gnu/bochs/plugins")
    env["BXSHARE"] = str(root / "usr/share/bochs")
    env.pop("DISPLAY", None)
    return env


if __name__ == "__main__":
    print(ensure_root())
