"""One real cell: Debian's 6.12 on qemu-tcg-svm with this checkout's build.

Skips with the reason where QEMU, the build or the archive is unavailable.
"""
import shutil

import pytest

from matrix import cell as cells
from matrix import config, plan
from matrix.fetch import Archive, FetchError, fetch
from results.hostinfo import REPO_ROOT

BUILD = REPO_ROOT / "build"


def test_6_12_on_qemu_tcg_svm(tmp_path):
    if not shutil.which("qemu-system-x86_64"):
        pytest.skip("qemu-system-x86_64 is not installed")
    binaries, listings = plan.host_listings(BUILD)
    if not binaries:
        pytest.skip(f"no test binaries under {BUILD}/tests: run ./run.sh build")
    archive = Archive()
    try:
        fetch("6.12", "debian:6.12", archive)
    except FetchError as err:
        pytest.skip(f"kernel 6.12 cannot be fetched here: {err}")
    platform = config.load_platforms()["qemu-tcg-svm"]
    ctx = cells.Context(tmp_path, BUILD, archive, binaries, listings)
    outcome = cells.run_cell(cells.Cell("6.12", "debian:6.12", platform), ctx)
    facts = outcome.info["facts"]
    assert outcome.info["boot"]["finished"], outcome.info.get("cause")
    assert facts["module_load"] == "ok" and facts["nested"] in ("1", "Y")
    assert facts["cap_nested_state"] == "4224"          # SVM's nested state size
    statuses = {r.test: r.status for r in outcome.results}
    assert statuses["basic/api_version/global.get_api_version_returns_12"] == "PASS"
    # Tests written alongside may crash; the tool itself must lose nothing.
    tool_trouble = ("was cut off", "the VM hung", "guest stopped", "kernel fault")
    assert not [r for r in outcome.results if r.status == "MISS"
                or any(words in r.reason for words in tool_trouble)]
    assert (tmp_path / "6.12/qemu-tcg-svm/basic/api_version.tap").exists()
