"""Matrix files: parsing, and one-line errors naming file, entry and problem."""
import pytest

from matrix import config
from matrix.config import ConfigError

KERNELS = """
[kernels."6.1"]
source = "debian:6.1"
[kernels.newest]
source = "debian:newest"
[sets]
default = ["6.1", "newest"]
full = ["debian:*"]
"""
PLATFORMS = """
[platforms.host]
launcher = "host"
[platforms.qemu-tcg-svm]
launcher = "qemu"
accel = "tcg"
cpu = "EPYC,+svm"
module = "kvm_amd"
limits = [{ series = ["7.2"], reason = "cannot boot 7.2" }]
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_repository_files_parse():
    kernels, sets = config.load_kernels()
    assert sets["default"] == ["5.10", "6.1", "6.12", "newest"]
    assert kernels["6.12"].source == "debian:6.12"
    assert {"host", "qemu-tcg-svm", "bochs-vmx", "qemu-kvm"} <= set(config.load_platforms())


def test_sets_and_limits(tmp_path):
    kernels, sets = config.load_kernels(write(tmp_path, "k.toml", KERNELS))
    assert config.pick_kernels(kernels, sets, None, None) == ["6.1", "newest"]
    assert config.pick_kernels(kernels, sets, "full", None) == ["debian:*"]
    assert config.pick_kernels(kernels, sets, None, "6.1,debian:6.16") == ["6.1", "debian:6.16"]
    platform = config.load_platforms(write(tmp_path, "p.toml", PLATFORMS))["qemu-tcg-svm"]
    assert platform.limit_for("7.2") == "cannot boot 7.2"
    assert platform.limit_for("6.1") is None


@pytest.mark.parametrize("text, expected", [
    ("[kernels.a\nsource = 1", "not valid TOML"),
    ("x = 1", "needs a non-empty [kernels.<name>] table"),
    ('[kernels.a]\nsource = "http://x"', "kernel 'a': source must be"),
    ('[kernels.a]\nsource = "debian:6.1"\nflavour = "rt"', "kernel 'a': unknown key 'flavour'"),
    ('[kernels.a]\nsource = "debian:6.1"\n[sets]\ndefault = ["b"]', "set 'default': unknown kernel 'b'"),
    ('[kernels.a]\nsource = "debian:6.1"\n[sets]\ndefault = []', "set 'default': must be a non-empty list"),
])
def test_kernel_file_errors(tmp_path, text, expected):
    path = write(tmp_path, "kernels.toml", text)
    with pytest.raises(ConfigError) as err:
        config.load_kernels(path)
    assert str(path) in str(err.value) and expected in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("entry, expected", [
    ('launcher = "vbox"', "launcher must be one of host, qemu, bochs, got 'vbox'"),
    ('launcher = "qemu"\naccel = "tcg"', "a booted platform needs cpu"),
    ('launcher = "qemu"\naccel = "tcg"\ncpu = "x"\nmodule = "kvm"', "module must be one of"),
    ('launcher = "host"\ntimeout_s = "long"', "timeout_s must be a positive number, got 'long'"),
    ('launcher = "host"\ntimeout_s = -1', "timeout_s must be a positive number"),
    ('launcher = "host"\ncolour = 1', "unknown key 'colour'"),
    ('launcher = "host"\nlimits = [{ series = "7.2" }]', "each limit needs series"),
])
def test_platform_file_errors(tmp_path, entry, expected):
    path = write(tmp_path, "platforms.toml", f"[platforms.p]\n{entry}\n")
    with pytest.raises(ConfigError) as err:
        config.load_platforms(path)
    assert f"{path}: platform 'p': {expected}" in str(err.value)


def test_unknown_names_on_the_command_line(tmp_path):
    kernels, sets = config.load_kernels(write(tmp_path, "k.toml", KERNELS))
    platforms = config.load_platforms(write(tmp_path, "p.toml", PLATFORMS))
    with pytest.raises(ConfigError, match="unknown platform 'bochs'"):
        config.pick_platforms(platforms, "host,bochs")
    with pytest.raises(ConfigError, match="unknown kernel '4.19'"):
        config.pick_kernels(kernels, sets, None, "4.19")
    with pytest.raises(ConfigError, match="unknown set 'huge'"):
        config.pick_kernels(kernels, sets, "huge", None)
