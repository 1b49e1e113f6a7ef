"""Test source headers: parsing, errors, and every real source in the repo."""
import pytest

from results import catalogue
from results.catalogue import CatalogueError, parse_source
from results.hostinfo import REPO_ROOT

GOOD = """\
// SPDX-License-Identifier: GPL-2.0
/*
 * KVM reports how big a buffer KVM_GET_XSAVE2 needs.
 *
 * behaviour: xsave.cap_size
 * rule: KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) on a VM fd is 0 without the
 *       capability, else max(4096, the XSAVE size of the permitted features)
 * source: Documentation/virt/kvm/api.rst "8.35 KVM_CAP_XSAVE2"; be50b2065dfa
 * since: v5.17 (be50b2065dfa)
 * before: KVM_CAP_XSAVE2 unknown, KVM_CHECK_EXTENSION returns 0
 */
#include "test.h"
"""


def write_source(tmp_path, text, area="xsave", name="cap_size"):
    path = tmp_path / "tests" / area / f"{name}.c"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_good_header_with_continuation(tmp_path):
    entry = parse_source(write_source(tmp_path, GOOD), tmp_path)
    assert entry == {
        "id": "xsave/cap_size", "area": "xsave", "name": "cap_size",
        "behaviour": "xsave.cap_size",
        "rule": "KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) on a VM fd is 0 without the "
                "capability, else max(4096, the XSAVE size of the permitted features)",
        "source": 'Documentation/virt/kvm/api.rst "8.35 KVM_CAP_XSAVE2"; be50b2065dfa',
        "since": "v5.17 (be50b2065dfa)",
        "before": "KVM_CAP_XSAVE2 unknown, KVM_CHECK_EXTENSION returns 0",
        "path": "tests/xsave/cap_size.c"}


def test_optional_tags_are_null(tmp_path):
    text = "\n".join(line for line in GOOD.splitlines()
                     if "since:" not in line and "before:" not in line)
    entry = parse_source(write_source(tmp_path, text), tmp_path)
    assert entry["since"] is None and entry["before"] is None


def test_missing_required_tag_names_file_and_tag(tmp_path):
    text = GOOD.replace(" * source:", " * origin:")
    with pytest.raises(CatalogueError) as caught:
        parse_source(write_source(tmp_path, text), tmp_path)
    assert str(caught.value) == ("tests/xsave/cap_size.c: missing required tag "
                                 "'source:' in its opening comment")


def test_no_opening_comment(tmp_path):
    with pytest.raises(CatalogueError, match="does not open with"):
        parse_source(write_source(tmp_path, '#include "test.h"\n'), tmp_path)


def test_table_and_json(tmp_path):
    write_source(tmp_path, GOOD)
    write_source(tmp_path, GOOD.replace("xsave.cap_size", "basic.x"), "basic", "x")
    entries = catalogue.load(tmp_path)
    assert [e["id"] for e in entries] == ["basic/x", "xsave/cap_size"]
    lines = catalogue.as_table(entries).splitlines()
    assert lines[0].split() == ["ID", "BEHAVIOUR", "RULE"]
    assert lines[1].index("basic.x") == lines[2].index("xsave.cap_size")
    assert '"id": "basic/x"' in catalogue.as_json(entries)


def test_every_real_test_source_has_a_valid_header():
    sources = catalogue.test_sources(REPO_ROOT)
    if not sources:
        pytest.skip("no tests/<area>/<name>.c sources yet")
    entries = catalogue.load(REPO_ROOT)
    ids = [entry["id"] for entry in entries]
    assert len(ids) == len(set(ids))
