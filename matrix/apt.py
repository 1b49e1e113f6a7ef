"""apt with private state: the machine's mirror, the suites the matrix needs.

Nothing here touches the machine's own apt state. The mirror URIs are read
from the machine's configured sources at run time; no host name lives in
the repository.
"""
import os
import re
import subprocess
from pathlib import Path

# Suites the matrix draws kernels from; "-security" ones come from the
# security mirror, the others from the main mirror.
SUITES = ("bullseye", "bookworm", "trixie", "sid", "experimental",
          "bullseye-backports", "bookworm-backports", "trixie-backports")
SECURITY_SUITES = ("bullseye-security", "bookworm-security", "trixie-security")
SOURCE_FILES = ("/etc/apt/sources.list",)
SOURCE_DIR = "/etc/apt/sources.list.d"
UPDATE_TIMEOUT_S = 900


class AptError(Exception):
    """apt could not do what a cell needs: the message is one line."""


def cache_root() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Path(os.environ.get("KVMABI_CACHE") or default / "kvmabi")


def configured_sources(files=None, parts_dir=SOURCE_DIR) -> list[tuple[str, str, str]]:
    """(uri, first suite, signed_by) of every deb source configured here."""
    found = []
    paths = [Path(p) for p in (files or SOURCE_FILES)]
    if parts_dir and Path(parts_dir).is_dir():
        paths += sorted(Path(parts_dir).glob("*.list"))
        paths += sorted(Path(parts_dir).glob("*.sources"))
    for path in paths:
        try:
            text = path.read_text()
        except OSError:
            continue
        parse = deb822_sources if path.suffix == ".sources" else one_line_sources
        found += parse(text)
    return found


def deb822_sources(text: str) -> list[tuple[str, str, str]]:
    found = []
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[0].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        suites = fields.get("suites", "").split() or [""]
        for uri in fields.get("uris", "").split():
            found.append((uri, suites[0], fields.get("signed-by", "")))
    return found


def one_line_sources(text: str) -> list[tuple[str, str, str]]:
    found = []
    for line in text.splitlines():
        words = line.split("#")[0].split()
        if not words or words[0] != "deb":
            continue
        options = ""
        if len(words) > 1 and words[1].startswith("["):
            end = next(i for i, w in enumerate(words) if w.endswith("]"))
            options, words = " ".join(words[1:end + 1]), [words[0]] + words[end + 1:]
        signed = re.search(r"signed-by=(\S+?)\]?(\s|$)", options)
        if len(words) >= 3:
            found.append((words[1], words[2], signed.group(1) if signed else ""))
    return found


def mirrors(sources) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """The main and the security mirror (uri, signed_by) among the sources."""
    main = security = None
    for uri, suite, signed in sources:
        if suite.endswith("-security") or uri.rstrip("/").endswith("-security"):
            security = security or (uri, signed)
        elif "/debian" in uri and main is None:
            main = (uri, signed)
    if main is None:
        raise AptError("no Debian mirror in /etc/apt/sources.list or "
                       f"{SOURCE_DIR}/: the matrix fetches kernels through it")
    return main, security


def sources_list(sources) -> str:
    """Our private sources.list: the configured mirrors, the matrix's suites."""
    (main, main_key), security = mirrors(sources)
    lines = [entry(main, suite, main_key) for suite in SUITES]
    if security:
        lines += [entry(security[0], suite, security[1]) for suite in SECURITY_SUITES]
    return "\n".join(lines) + "\n"


def entry(uri: str, suite: str, signed_by: str) -> str:
    """One line, verified with the keyring the machine's own source names."""
    options = f"[signed-by={signed_by}] " if signed_by else ""
    return f"deb {options}{uri} {suite} main"


class Apt:
    """apt-get and apt-cache with state, cache and sources under root."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root or cache_root() / "apt")

    def options(self) -> list[str]:
        for sub in ("state/lists/partial", "cache/archives/partial", "prefs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "state/status").touch()
        return ["-o", f"Dir::State={self.root}/state",
                "-o", f"Dir::State::status={self.root}/state/status",
                "-o", f"Dir::Cache={self.root}/cache",
                "-o", f"Dir::Etc::SourceList={self.root}/sources.list",
                "-o", "Dir::Etc::SourceParts=/dev/null",
                "-o", f"Dir::Etc::PreferencesParts={self.root}/prefs",
                "-o", "APT::Architecture=amd64", "-o", "APT::Architectures=amd64",
                "-o", "Acquire::Languages=none", "-o", "APT::Sandbox::User=root"]

    def lists_dir(self) -> Path:
        return self.root / "state" / "lists"

    def sources_current(self) -> bool:
        """Whether our sources.list is what the machine's sources give now."""
        try:
            return (self.root / "sources.list").read_text() == \
                sources_list(configured_sources())
        except (OSError, AptError):
            return False

    def update(self, sources=None) -> None:
        """Refresh the package lists; a suite the mirror lacks is skipped."""
        text = sources_list(configured_sources() if sources is None else sources)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "sources.list").write_text(text)
        done = self.run(["apt-get", "-q", *self.options(), "update"], UPDATE_TIMEOUT_S)
        if not list(self.lists_dir().glob("*_Packages*")):
            raise AptError(f"apt-get update found no package list: {last_line(done)}")

    def download(self, package: str, version: str, dest: Path) -> Path:
        dest.mkdir(parents=True, exist_ok=True)
        done = self.run(["apt-get", "-q", *self.options(), "download",
                         f"{package}={version}"], UPDATE_TIMEOUT_S, cwd=dest)
        debs = sorted(dest.glob(f"{package}_*.deb"))
        if done.returncode != 0 or not debs:
            raise AptError(f"apt-get download {package}={version} failed: "
                           f"{last_line(done)}")
        return debs[-1]

    def run(self, argv, timeout_s, cwd=None) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(argv, capture_output=True, text=True, cwd=cwd,
                                  timeout=timeout_s, check=False)
        except FileNotFoundError:
            raise AptError(f"{argv[0]} is not installed: the matrix needs Debian's apt")
        except subprocess.TimeoutExpired:
            raise AptError(f"{' '.join(argv[:1] + argv[-2:])} took over {timeout_s} s")


def last_line(done: subprocess.CompletedProcess) -> str:
    lines = [l for l in (done.stderr + done.stdout).splitlines() if l.strip()]
    errors = [l for l in lines if l.startswith(("E:", "W:"))]
    return (errors or lines or ["no output"])[-1].strip()[:300]
