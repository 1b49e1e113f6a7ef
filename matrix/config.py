"""Read and check matrix/kernels.toml and matrix/platforms.toml.

Every problem is a ConfigError whose message is one line naming the file,
the entry and what is wrong.
"""
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAUNCHERS = ("host", "qemu", "bochs")
MODULES = ("kvm_amd", "kvm_intel", "auto")
EVERY_SERIES = "debian:*"
SOURCE = re.compile(r"^(debian:(newest|\d+\.\d+[\w.+~-]*|\*)|local:.+)$")


class ConfigError(Exception):
    """A one-line, user-facing complaint about the matrix files or names."""


@dataclass(frozen=True)
class Kernel:
    name: str
    source: str          # "debian:6.12", "debian:newest", "local:..."


@dataclass(frozen=True)
class Limit:
    series: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Platform:
    name: str
    launcher: str
    accel: str = ""
    cpu: str = ""
    module: str = ""
    memory_mb: int = 1024
    timeout_s: float = 900.0
    test_timeout_s: float = 120.0
    requires: str = ""
    limits: tuple[Limit, ...] = ()
    options: dict = field(default_factory=dict, hash=False, compare=False)

    def limit_for(self, series: str) -> str | None:
        """The reason this platform cannot run a kernel of `series`, if any."""
        for limit in self.limits:
            if series in limit.series:
                return limit.reason
        return None


def load_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as stream:
            return tomllib.load(stream)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}")
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}")


def table(doc: dict, key: str, path: Path) -> dict:
    value = doc.get(key)
    if not isinstance(value, dict) or not value:
        raise ConfigError(f"{path}: needs a non-empty [{key}.<name>] table")
    return value


def check_entry(entry, where: str, known: set, shape: str) -> None:
    """One [kernels.X] or [platforms.X] entry: a table with known keys only."""
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be {shape}")
    unknown = set(entry) - known
    if unknown:
        raise ConfigError(f"{where}: unknown key '{sorted(unknown)[0]}'")


def load_kernels(path: Path = HERE / "kernels.toml") -> tuple[dict, dict]:
    """({name: Kernel}, {set name: [kernel names or "debian:*"]})."""
    doc = load_toml(path)
    kernels = {}
    for name, entry in table(doc, "kernels", path).items():
        where = f"{path}: kernel '{name}'"
        check_entry(entry, where, {"source"}, "a table with a source")
        source = entry.get("source")
        if not isinstance(source, str) or not SOURCE.match(source) or source == EVERY_SERIES:
            raise ConfigError(f"{where}: source must be debian:<series|version|newest> "
                              f"or local:<path>, got {source!r}")
        kernels[name] = Kernel(name, source)
    sets = doc.get("sets", {})
    if not isinstance(sets, dict):
        raise ConfigError(f"{path}: [sets] must be a table of lists")
    for set_name, members in sets.items():
        if not isinstance(members, list) or not members:
            raise ConfigError(f"{path}: set '{set_name}': must be a non-empty list")
        for member in members:
            if member != EVERY_SERIES and member not in kernels:
                raise ConfigError(f"{path}: set '{set_name}': unknown kernel {member!r}")
    return kernels, sets


def number(entry: dict, key: str, default, where: str, kind=float):
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where}: {key} must be a positive number, got {value!r}")
    return kind(value)


def text(entry: dict, key: str, where: str, choices=None) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, got {value!r}")
    if choices and value not in choices:
        raise ConfigError(f"{where}: {key} must be one of {', '.join(choices)}, "
                          f"got {value!r}")
    return value


def limits(entry: dict, where: str) -> tuple[Limit, ...]:
    found = []
    for item in entry.get("limits", []):
        if not isinstance(item, dict) or not isinstance(item.get("reason"), str) \
                or not isinstance(item.get("series"), list):
            raise ConfigError(f"{where}: each limit needs series = [...] and reason = \"...\"")
        found.append(Limit(tuple(str(s) for s in item["series"]), item["reason"]))
    return tuple(found)


KNOWN_KEYS = {"launcher", "accel", "cpu", "module", "memory_mb", "timeout_s",
              "test_timeout_s", "requires", "limits", "options"}


def load_platforms(path: Path = HERE / "platforms.toml") -> dict:
    doc = load_toml(path)
    platforms = {}
    for name, entry in table(doc, "platforms", path).items():
        where = f"{path}: platform '{name}'"
        check_entry(entry, where, KNOWN_KEYS, "a table")
        launcher = text(entry, "launcher", where, LAUNCHERS)
        booted = launcher != "host"
        if booted and not entry.get("cpu"):
            raise ConfigError(f"{where}: a booted platform needs cpu = \"...\"")
        options = entry.get("options", {})
        if not isinstance(options, dict):
            raise ConfigError(f"{where}: options must be a table")
        platforms[name] = Platform(
            name, launcher, text(entry, "accel", where, ("tcg", "kvm") if launcher == "qemu" else None),
            text(entry, "cpu", where), text(entry, "module", where, MODULES if booted else None),
            number(entry, "memory_mb", 1024, where, int), number(entry, "timeout_s", 900, where),
            number(entry, "test_timeout_s", 120, where), text(entry, "requires", where, ("", "nested-kvm")),
            limits(entry, where), options)
    return platforms


def split_names(text_value: str | None) -> list[str]:
    return [name.strip() for name in (text_value or "").split(",") if name.strip()]


def pick_platforms(platforms: dict, names: str | None, path: Path = HERE / "platforms.toml") -> list:
    chosen = split_names(names) or list(platforms)
    for name in chosen:
        if name not in platforms:
            raise ConfigError(f"{path}: unknown platform '{name}' "
                              f"(known: {', '.join(platforms)})")
    return [platforms[name] for name in chosen]


def pick_kernels(kernels: dict, sets: dict, set_name: str | None, names: str | None,
                 path: Path = HERE / "kernels.toml") -> list[str]:
    """Kernel names or "debian:*"/"debian:<x>" sources chosen on the command line."""
    if names:
        chosen = split_names(names)
        for name in chosen:
            if name not in kernels and not (SOURCE.match(name) and name != EVERY_SERIES):
                raise ConfigError(f"{path}: unknown kernel '{name}' (known: "
                                  f"{', '.join(kernels)}; or give debian:<series>)")
        return chosen
    set_name = set_name or "default"
    if set_name not in sets:
        raise ConfigError(f"{path}: unknown set '{set_name}' (known: {', '.join(sets)})")
    return list(sets[set_name])
