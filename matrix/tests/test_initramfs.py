"""The initramfs: a newc archive the kernel (and cpio) can read, cached."""
import shutil
import subprocess

import pytest

from matrix import initramfs
from matrix.fetch import Fetched


def test_newc_is_readable_by_cpio(tmp_path):
    blob = initramfs.cpio({"init": b"#!/bin/sh\n", "tests/a/b": b"x" * 5}, ["tests", "tests/a"])
    if not shutil.which("cpio"):
        pytest.skip("cpio is not installed")
    listed = subprocess.run(["cpio", "-it"], input=blob, capture_output=True, check=True)
    assert listed.stdout.decode().split() == ["tests", "tests/a", "dev/console", "init",
                                              "tests/a/b"]


def test_built_once_per_inputs(tmp_path, monkeypatch):
    monkeypatch.setenv("KVMABI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(initramfs, "kvm_facts", lambda: b"facts")
    monkeypatch.setattr(initramfs, "busybox", lambda: b"busybox")
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods/kvm.ko").write_bytes(b"kvm")
    binary = tmp_path / "build/tests/basic/api_version"
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"elf")
    binary.chmod(0o755)
    kernel = Fetched("k", "r", "v", tmp_path / "vmlinuz", tmp_path / "mods",
                     {"kvm_amd": ["kvm.ko"]})
    first = initramfs.build(kernel, tmp_path / "build")
    assert initramfs.build(kernel, tmp_path / "build") == first
    binary.write_bytes(b"elf, rebuilt")
    assert initramfs.build(kernel, tmp_path / "build") != first
    names = subprocess.run(["cpio", "-it"], input=first.read_bytes(),
                           capture_output=True).stdout.decode().split()
    assert {"init", "bin/busybox", "kvm-facts", "kvm/kvm.ko", "kvm/kvm_amd.order",
            "tests/basic/api_version"} <= set(names)
