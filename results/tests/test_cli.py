"""The command line: errors as one line with exit 2, and a whole host run."""
import json
import os

import pytest

from results import cli, hostinfo
from results.tests.fakes import PASSING, fake_binary, tap


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [["bogus"], [], ["host", "--timeout", "x"],
                                  ["list", "--nope"]])
def test_bad_arguments(capsys, argv):
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1


def test_kvm_checks(tmp_path):
    with pytest.raises(hostinfo.UsageError, match="does not exist: this kernel has no KVM"):
        hostinfo.check_kvm(str(tmp_path / "kvm"))
    locked = tmp_path / "locked"
    locked.write_text("")
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        pytest.skip("running as root: every file is accessible")
    with pytest.raises(hostinfo.UsageError, match="no permission on"):
        hostinfo.check_kvm(str(locked))


def test_missing_build_dir(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(hostinfo, "check_kvm", lambda: None)
    code, _, err = run_cli(capsys, "host", "--build", str(tmp_path / "none"))
    assert code == 2 and "run ./run.sh build" in err


def test_host_run_end_to_end(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(hostinfo, "check_kvm", lambda: None)
    monkeypatch.setenv("KVMABI_RUNS_DIR", str(tmp_path / "runs"))
    build = tmp_path / "build"
    fake_binary(build, "basic", "good", [("global", [], ["one", "two"])], PASSING)
    code, out, _ = run_cli(capsys, "host", "--build", str(build))
    assert code == 0 and "PASS 2" in out
    fake_binary(build, "basic", "bad", [("global", [], ["x"])],
                tap("1..1", "#  RUN           global.x ...", "# KVMABI_FAIL: KVM_RUN: EFAULT",
                    "not ok 1 global.x") + "\nexit 1")
    code, out, _ = run_cli(capsys, "host", "--build", str(build))
    assert code == 1 and "FAIL   basic/bad/global.x  KVM_RUN: EFAULT" in out
    latest = tmp_path / "runs" / "latest"
    doc = json.loads((latest / "results.json").read_text())
    assert doc["run"]["mode"] == "host" and len(doc["results"]) == 3
    assert (latest / "host" / "host" / "basic" / "bad.tap").is_file()


def test_list_runs(capsys):
    code, _, _ = run_cli(capsys, "list")
    assert code == 0
    code, out, _ = run_cli(capsys, "list", "--json")
    assert code == 0 and isinstance(json.loads(out), list)
