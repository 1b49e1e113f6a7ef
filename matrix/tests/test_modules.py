"""Module dependency resolution and decompression."""
import gzip
import lzma

import pytest

from matrix import modules
from matrix.modules import ModuleError

DEPS = {"kvm_amd": ["kvm", "ccp"], "kvm": ["irqbypass"], "ccp": ["rng_core"],
        "irqbypass": [], "rng_core": []}


def test_dependencies_load_first():
    assert modules.load_order("kvm_amd", DEPS.__getitem__) == \
        ["irqbypass", "kvm", "rng_core", "ccp", "kvm_amd"]


def test_a_loop_is_an_error():
    with pytest.raises(ModuleError, match="loop through kvm"):
        modules.load_order("kvm", {"kvm": ["irqbypass"], "irqbypass": ["kvm"]}.__getitem__)


def test_modules_dep_format():
    text = ("kernel/arch/x86/kvm/kvm-amd.ko.xz: kernel/arch/x86/kvm/kvm.ko.xz "
            "kernel/drivers/crypto/ccp/ccp.ko.xz\nkernel/virt/lib/irqbypass.ko.xz:\n")
    assert modules.parse_modules_dep(text) == {"kvm_amd": ["kvm", "ccp"], "irqbypass": []}


@pytest.mark.parametrize("suffix, pack", [(".ko.xz", lzma.compress),
                                          (".ko.gz", gzip.compress), (".ko", bytes)])
def test_decompress(tmp_path, suffix, pack):
    source = tmp_path / f"kvm{suffix}"
    source.write_bytes(pack(b"\x7fELF module"))
    modules.decompress(source, tmp_path / "out.ko")
    assert (tmp_path / "out.ko").read_bytes() == b"\x7fELF module"
    assert modules.module_name(source) == "kvm"


def test_a_package_without_kvm(tmp_path):
    (tmp_path / "fs").mkdir()
    (tmp_path / "fs/ext4.ko").write_bytes(b"")
    with pytest.raises(ModuleError, match="no kvm module"):
        modules.collect([tmp_path], tmp_path / "out")


def test_a_missing_dependency_names_it(tmp_path, monkeypatch):
    for name in ("kvm", "kvm-amd"):
        (tmp_path / f"{name}.ko").write_bytes(b"")
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(modules, "depends",
                        lambda path: {"kvm_amd.ko": ["kvm", "ccp"], "kvm.ko": []}[path.name])
    with pytest.raises(ModuleError, match="module ccp is needed but not in the package"):
        modules.collect([tmp_path], tmp_path / "out")
