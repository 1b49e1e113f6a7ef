"""The catalogue: what each test checks, read from its source's header.

Every tests/<area>/<name>.c opens with a comment block holding tagged lines
("behaviour:", "rule:", "source:", optional "since:", "before:"). A line
indented deeper than the tag column continues the tag above it.
"""
import json
import re
from pathlib import Path

from .hostinfo import REPO_ROOT, UsageError

REQUIRED_TAGS = ("behaviour", "rule", "source")
OPTIONAL_TAGS = ("since", "before")
TAG_LINE = re.compile(r"^(%s):(.*)$" % "|".join(REQUIRED_TAGS + OPTIONAL_TAGS))
ENTRY_KEYS = ("id", "area", "name", "behaviour", "rule", "source", "since",
              "before", "path")


class CatalogueError(UsageError):
    """A test source whose header is missing or malformed."""


def opening_comment(text: str, where: str) -> list[str]:
    """The body lines of the first /* ... */ block (SPDX // lines may precede)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if line.strip() and not line.lstrip().startswith("//")), None)
    if start is None or not lines[start].lstrip().startswith("/*"):
        raise CatalogueError(f"{where}: does not open with a /* ... */ comment")
    for end in range(start, len(lines)):
        if "*/" in lines[end]:
            return [strip_star(line) for line in lines[start + 1:end]]
    raise CatalogueError(f"{where}: its opening comment is never closed")


def strip_star(line: str) -> str:
    """' * text' -> 'text', keeping any extra indentation after the star."""
    body = line.lstrip()
    body = body[1:] if body.startswith("*") else body
    return body[1:] if body.startswith(" ") else body


def parse_tags(body: list[str], where: str) -> dict:
    tags: dict[str, str] = {}
    current = None
    for line in body:
        if current and line[:1].isspace() and line.strip():
            tags[current] += " " + line.strip()     # a continuation line
            continue
        current = None
        if match := TAG_LINE.match(line):
            current = match.group(1)
            if current in tags:
                raise CatalogueError(f"{where}: tag '{current}:' appears twice")
            tags[current] = match.group(2).strip()
    for tag in REQUIRED_TAGS:
        if not tags.get(tag):
            raise CatalogueError(f"{where}: missing required tag '{tag}:' "
                                 "in its opening comment")
    return tags


def parse_source(path: Path, root: Path = REPO_ROOT) -> dict:
    """One catalogue entry from tests/<area>/<name>.c."""
    path = Path(path)
    try:
        where = str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        where = str(path)
    try:
        text = path.read_text(errors="replace")
    except OSError as err:
        raise CatalogueError(f"{where}: cannot read: {err.strerror}") from None
    tags = parse_tags(opening_comment(text, where), where)
    area, name = path.parent.name, path.stem
    entry = {"id": f"{area}/{name}", "area": area, "name": name, "path": where}
    entry.update({tag: tags.get(tag) for tag in REQUIRED_TAGS + OPTIONAL_TAGS})
    return {key: entry[key] for key in ENTRY_KEYS}


def test_sources(root: Path = REPO_ROOT) -> list[Path]:
    return sorted((Path(root) / "tests").glob("*/*.c"))


def load(root: Path = REPO_ROOT) -> list[dict]:
    return [parse_source(path, Path(root)) for path in test_sources(root)]


def behaviours(entries: list[dict]) -> dict:
    """Map "<area>/<name>" (a binary's id) to its behaviour."""
    return {entry["id"]: entry["behaviour"] for entry in entries}


def as_table(entries: list[dict]) -> str:
    rows = [("ID", "BEHAVIOUR", "RULE")] + [
        (e["id"], e["behaviour"], e["rule"]) for e in entries]
    id_width = max(len(row[0]) for row in rows)
    behaviour_width = max(len(row[1]) for row in rows)
    return "\n".join(f"{i:<{id_width}}  {b:<{behaviour_width}}  {r}".rstrip()
                     for i, b, r in rows)


def as_json(entries: list[dict]) -> str:
    return json.dumps(entries, indent=2)
