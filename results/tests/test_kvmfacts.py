"""Host facts: the vendor module and nested from sysfs, safe without /dev/kvm."""
from results import kvmfacts


def test_module_and_nested_from_sysfs(tmp_path):
    (tmp_path / "kvm").mkdir()
    (tmp_path / "kvm_amd" / "parameters").mkdir(parents=True)
    (tmp_path / "kvm_amd" / "parameters" / "nested").write_text("1\n")
    assert kvmfacts.loaded_module(tmp_path) == "kvm_amd"
    assert kvmfacts.nested("kvm_amd", tmp_path) == "1"


def test_other_backend_and_no_nested_parameter(tmp_path):
    (tmp_path / "kvm").mkdir()
    (tmp_path / "kvm_pvm").mkdir()
    assert kvmfacts.loaded_module(tmp_path) == "kvm_pvm"
    assert kvmfacts.nested("kvm_pvm", tmp_path) == "absent"


def test_no_module(tmp_path):
    assert kvmfacts.loaded_module(tmp_path) == "none"


def test_host_facts_always_names_module_and_nested():
    facts = kvmfacts.host_facts()
    assert {"module", "nested"} <= facts.keys()
