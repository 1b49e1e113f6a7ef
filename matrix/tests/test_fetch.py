"""Series resolution from a fake package list, both package layouts."""
import subprocess
from pathlib import Path

import pytest

from matrix import archive, debver, fetch
from matrix.archive import FetchError, Image

STANZAS = """Package: linux-image-6.1.0-30-amd64
Version: 6.1.124-1
Depends: kmod, linux-base (>= 4.3~)

Package: linux-image-6.1.0-31-amd64
Version: 6.1.128-1
Depends: kmod

Package: linux-image-6.1-amd64
Version: 6.1.128-1~deb11u1
Depends: linux-image-6.1.0-31-amd64 (= 6.1.128-1~deb11u1)

Package: linux-image-6.12.9+deb13-amd64
Version: 6.12.9-1
Depends: kmod

Package: linux-image-6.12.43+deb13-amd64
Version: 6.12.43-1
Depends: kmod

Package: linux-image-6.12.43+deb13-rt-amd64
Version: 6.12.43-1
Depends: kmod

Package: linux-image-7.3.4+deb13-amd64
Version: 7.3.4-1~bpo13+1
Depends: dracut | initramfs-tools, linux-binary-7.3.4+deb13-amd64 (= 7.3.4-1~bpo13+1), linux-modules-7.3.4+deb13-amd64 (= 7.3.4-1~bpo13+1)

Package: linux-image-7.3-amd64
Version: 7.3~rc7-1~exp1
Depends: linux-binary-7.3-amd64 (= 7.3~rc7-1~exp1), linux-modules-7.3-amd64 (= 7.3~rc7-1~exp1)
"""


@pytest.fixture
def images():
    return archive.parse_stanzas(STANZAS)


def test_only_plain_amd64_images_are_kept(images):
    names = {i.package for i in images}
    assert "linux-image-6.12.43+deb13-rt-amd64" not in names
    assert "linux-image-6.1-amd64" not in names          # a meta package
    assert len(names) == 6


@pytest.mark.parametrize("wanted, package", [
    ("6.1", "linux-image-6.1.0-31-amd64"),
    ("6.12", "linux-image-6.12.43+deb13-amd64"),        # 43 > 9, numerically
    ("6.12.9+deb13", "linux-image-6.12.9+deb13-amd64"),
    ("6.1.124-1", "linux-image-6.1.0-30-amd64"),
    ("newest", "linux-image-7.3.4+deb13-amd64"),        # 7.3.4 > 7.3~rc7
    ("7.3", "linux-image-7.3.4+deb13-amd64"),
])
def test_resolve(images, wanted, package):
    assert archive.resolve(images, wanted).package == package


def test_unknown_series_is_one_line(images):
    with pytest.raises(FetchError, match="no linux-image of '4.19' in the archive"):
        archive.resolve(images, "4.19")


def test_every_series_is_found_not_listed(images):
    assert archive.every_series(images) == ["6.1", "6.12", "7.3"]


def test_split_layout_names_its_parts(images):
    split = archive.resolve(images, "7.3")
    assert split.parts() == ["linux-binary-7.3.4+deb13-amd64", "linux-modules-7.3.4+deb13-amd64"]
    assert archive.resolve(images, "6.1").parts() == ["linux-image-6.1.0-31-amd64"]


def test_debian_version_order():
    ordered = ["7.3~rc7-1~exp1", "7.3-1", "7.3.4-1~bpo13+1", "7.3.4-1", "7.3.10-1", "1:1.0-1"]
    assert sorted(reversed(ordered), key=debver.sort_key) == ordered


def fake_module(path: Path, depends: str) -> None:
    """A relocatable ELF with a .modinfo section, as modinfo reads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source = path.with_suffix(".c")
    source.write_text('__attribute__((section(".modinfo"), used)) static const char '
                      f'info[] = "depends={depends}\\0license=GPL";\n')
    subprocess.run(["gcc", "-c", "-o", str(path), str(source)], check=True)
    source.unlink()


MODULES = {"arch/x86/kvm/kvm.ko": "irqbypass", "arch/x86/kvm/kvm-amd.ko": "kvm,ccp",
           "arch/x86/kvm/kvm-intel.ko": "kvm", "virt/lib/irqbypass.ko": "",
           "drivers/crypto/ccp/ccp.ko": "rng-core", "drivers/char/hw_random/rng-core.ko": "",
           "fs/unrelated.ko": ""}


def fake_package(root: Path, name: str, files: dict[str, bytes]) -> Path:
    """dpkg-deb -b of a tiny tree: a stand-in for a Debian kernel package."""
    tree = root / name
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN/control").write_text(f"Package: {name}\nVersion: 1.0-1\n"
                                         "Architecture: amd64\nMaintainer: t <t@t>\n"
                                         "Description: test\n")
    for rel, data in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(data)
    deb = root / f"{name}_1.0-1_amd64.deb"
    subprocess.run(["dpkg-deb", "-Zgzip", "-b", str(tree), str(deb)], check=True,
                   capture_output=True)
    return deb


class FakeApt:
    def __init__(self, debs):
        self.debs = debs

    def download(self, package, version, dest):
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / self.debs[package].name
        target.write_bytes(self.debs[package].read_bytes())
        return target


def module_files(tmp_path, prefix: str, compress) -> dict[str, bytes]:
    files = {}
    for rel, deps in MODULES.items():
        fake_module(tmp_path / "src" / rel, deps)
        data = (tmp_path / "src" / rel).read_bytes()
        suffix, data = compress(data)
        files[f"{prefix}/kernel/{rel}{suffix}"] = data
    return files


@pytest.mark.parametrize("layout", ["boot_and_lib_modules", "split_usr_lib_xz"])
def test_both_package_layouts(tmp_path, monkeypatch, layout):
    import lzma
    monkeypatch.setenv("KVMABI_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    if layout == "boot_and_lib_modules":
        release = "6.1.0-31-amd64"
        files = module_files(tmp_path, f"lib/modules/{release}", lambda d: ("", d))
        files[f"boot/vmlinuz-{release}"] = b"bzImage"
        image = Image(f"linux-image-{release}", "6.1.128-1", "kmod")
        debs = {image.package: fake_package(tmp_path, image.package, files)}
    else:
        release = "7.3.4+deb13-amd64"
        files = module_files(tmp_path, f"usr/lib/modules/{release}",
                             lambda d: (".xz", lzma.compress(d)))
        image = Image(f"linux-image-{release}", "7.3.4-1",
                      f"linux-binary-{release} (= 7.3.4-1), linux-modules-{release} (= 7.3.4-1)")
        debs = {f"linux-binary-{release}": fake_package(
                    tmp_path, f"linux-binary-{release}",
                    {f"usr/lib/modules/{release}/vmlinuz": b"bzImage"}),
                f"linux-modules-{release}": fake_package(
                    tmp_path, f"linux-modules-{release}", files)}
    kernel = fetch.fetch_debian("k", image, FakeApt(debs))
    assert kernel.vmlinuz.read_bytes() == b"bzImage"
    assert kernel.release == release
    assert kernel.load_order["kvm_amd"] == ["irqbypass.ko", "kvm.ko", "rng_core.ko",
                                            "ccp.ko", "kvm_amd.ko"]
    assert kernel.load_order["kvm_intel"] == ["irqbypass.ko", "kvm.ko", "kvm_intel.ko"]
    kept = sorted(p.name for p in kernel.module_dir.iterdir())
    assert kept == ["ccp.ko", "irqbypass.ko", "kvm.ko", "kvm_amd.ko", "kvm_intel.ko",
                    "rng_core.ko"]                       # decompressed, nothing else
    assert not list((tmp_path / "cache").rglob("*.deb"))
    again = fetch.fetch_debian("k", image, FakeApt({}))  # warm: downloads nothing
    assert again.vmlinuz == kernel.vmlinuz


def test_local_kernel_tree(tmp_path, monkeypatch):
    monkeypatch.setenv("KVMABI_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    tree = tmp_path / "linux"
    (tree / "arch/x86/boot").mkdir(parents=True)
    (tree / "arch/x86/boot/bzImage").write_bytes(b"bzImage")
    for rel, deps in MODULES.items():
        fake_module(tree / rel, deps)
    kernel = fetch.fetch("mine", f"local:{tree}", archive=None)
    assert kernel.version == "local" and kernel.vmlinuz.read_bytes() == b"bzImage"
    assert kernel.load_order["kvm_intel"] == ["irqbypass.ko", "kvm.ko", "kvm_intel.ko"]


def test_local_kernel_that_is_not_there(tmp_path, monkeypatch):
    monkeypatch.setenv("KVMABI_CACHE", str(tmp_path / "cache"))
    with pytest.raises(FetchError, match="needs a kernel tree or <bzImage>,<modules dir>"):
        fetch.fetch("mine", f"local:{tmp_path}/nothing", archive=None)


def test_a_series_whose_newest_split_image_lacks_modules(images):
    split = [i for i in images if i.parts() != [i.package]]
    available = {("linux-binary-7.3.4+deb13-amd64", "7.3.4-1~bpo13+1"),
                 ("linux-modules-7.3.4+deb13-amd64", "7.3.4-1~bpo13+1"),
                 ("linux-binary-7.3-amd64", "7.3~rc7-1~exp1")}
    marked = archive.mark_missing(images, available)
    assert archive.resolve(marked, "7.3").package == "linux-image-7.3.4+deb13-amd64"
    without = archive.mark_missing(images, set())
    assert len(split) == 2
    with pytest.raises(FetchError, match="needs linux-binary-7.3.4.*which the archive lacks"):
        archive.resolve(without, "7.3")
