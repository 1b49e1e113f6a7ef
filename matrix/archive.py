"""What Debian's archive offers: the kernel images, their series, which
image a source such as debian:6.12 means, and whether all its parts exist."""
import json
import re
import time
from dataclasses import asdict, dataclass, replace

from .apt import Apt
from .debver import sort_key


class FetchError(Exception):
    """This kernel cannot be had; its cells are MISS with this message."""


# Plain amd64 images: linux-image-6.1.0-30-amd64, linux-image-7.3.4+deb13-amd64
# (not -cloud-, -rt-, -dbg, -unsigned, nor the bare series metas).
IMAGE = re.compile(r"^linux-image-(\d+\.\d+[\w.+~]*(?:-\d+)?(?:\+\w+)?)-amd64$")
LISTS_MAX_AGE_S = 24 * 3600


@dataclass(frozen=True)
class Image:
    package: str         # linux-image-6.12.43+deb13-amd64
    version: str         # 6.12.43-1
    depends: str         # the Depends field: names the split layout's parts
    missing: str = ""    # a part the archive lacks at this version, if any

    @property
    def release(self) -> str:     # 6.12.43+deb13-amd64, as uname -r says
        return self.package[len("linux-image-"):]

    @property
    def series(self) -> str:      # 6.12
        return ".".join(self.version.split(".")[:2]).split("-")[0].split("~")[0]

    def parts(self) -> list[str]:
        """The packages holding vmlinuz and modules: the image itself, or
        linux-binary-* and linux-modules-* behind a 7.x meta image."""
        split = [p for p in ("linux-binary-", "linux-modules-")
                 if re.search(rf"\b{p}{re.escape(self.release)}\b", self.depends)]
        return [p + self.release for p in split] or [self.package]


def parse_stanzas(text: str) -> list[Image]:
    images = []
    for stanza in text.split("\n\n"):
        fields = dict(re.findall(r"^(Package|Version|Depends): (.*)$", stanza, re.M))
        meta = re.search(r"\blinux-image-\d", fields.get("Depends", ""))
        if IMAGE.match(fields.get("Package", "")) and "Version" in fields and not meta:
            images.append(Image(fields["Package"], fields["Version"],
                                fields.get("Depends", "")))
    return sorted(set(images), key=lambda i: sort_key(i.version))


class Archive:
    """The kernel images the private apt sees, updated at most once a day."""

    def __init__(self, apt: Apt | None = None):
        self.apt = apt or Apt()
        self._images = None

    def images(self) -> list[Image]:
        """Every plain amd64 image, oldest first; the index is cached
        beside the package lists it was read from."""
        if self._images is None:
            self.refresh()
            index, stamp = self.apt.root / "kernel-index.json", self.lists_stamp()
            try:
                saved = json.loads(index.read_text())
                if saved["stamp"] == stamp:
                    self._images = [Image(**fields) for fields in saved["images"]]
            except (OSError, ValueError, KeyError, TypeError):
                pass
            if self._images is None:
                self._images = self.read_images()
                index.write_text(json.dumps({"stamp": stamp, "images": [
                    asdict(image) for image in self._images]}))
        return self._images

    def lists_stamp(self) -> list:
        return sorted([p.name, p.stat().st_mtime_ns, p.stat().st_size]
                      for p in self.apt.lists_dir().glob("*_Packages*"))

    def read_images(self) -> list[Image]:
        names = self.run(["apt-cache", *self.apt.options(), "pkgnames", "linux-image-"])
        wanted = sorted(n for n in names.split() if IMAGE.match(n))
        if not wanted:
            raise FetchError("the archive lists no linux-image-*-amd64 package")
        images = parse_stanzas(self.run(["apt-cache", *self.apt.options(), "show", *wanted]))
        return mark_missing(images, self.parts_available(images))

    def parts_available(self, images) -> set[tuple[str, str]]:
        """(package, version) of every linux-binary/-modules the archive has."""
        names = sorted({p for i in images for p in i.parts() if p != i.package})
        if not names:
            return set()
        done = self.apt.run(["apt-cache", *self.apt.options(), "show", *names], 300)
        # apt-cache show fails for names it lacks; it still prints the others
        return set(re.findall(r"^Package: (\S+)\n(?:.*\n)*?Version: (\S+)$",
                              done.stdout, re.M))

    def refresh(self) -> None:
        """apt-get update when the lists are missing, a day old, or the
        machine's mirror changed."""
        lists = list(self.apt.lists_dir().glob("*_Packages*"))
        fresh = lists and time.time() - min(p.stat().st_mtime for p in lists) < LISTS_MAX_AGE_S
        if not (fresh and self.apt.sources_current()):
            self.apt.update()

    def run(self, argv) -> str:
        done = self.apt.run(argv, 300)
        if done.returncode != 0:
            raise FetchError(f"{argv[0]} {argv[-1]} failed: {done.stderr.strip()[:200]}")
        return done.stdout


def mark_missing(images: list[Image], available: set) -> list[Image]:
    marked = []
    for image in images:
        lacking = [p for p in image.parts()
                   if p != image.package and (p, image.version) not in available]
        marked.append(replace(image, missing=lacking[0]) if lacking else image)
    return marked


def resolve(images: list[Image], wanted: str) -> Image:
    """debian:<series|version|newest> -> the image (newest match wins)."""
    if wanted == "newest":
        matches = images
    elif re.fullmatch(r"\d+\.\d+", wanted):
        matches = [i for i in images if i.series == wanted]
    else:
        matches = [i for i in images if wanted in (i.version, i.release)
                   or i.release.startswith(wanted + "-")]
    if not matches:
        raise FetchError(f"no linux-image of '{wanted}' in the archive")
    complete = [i for i in matches if not i.missing]
    if not complete:
        best = max(matches, key=lambda i: sort_key(i.version))
        raise FetchError(f"{best.package} {best.version} needs {best.missing}, "
                         "which the archive lacks at that version")
    return max(complete, key=lambda i: sort_key(i.version))


def every_series(images: list[Image]) -> list[str]:
    """Each series the archive carries, oldest first."""
    newest = {}
    for image in images:
        newest[image.series] = image
    return sorted(newest, key=lambda s: tuple(int(x) for x in s.split(".")))
