"""The private apt: the machine's mirror, never a host name of ours."""
import pytest

from matrix import apt

DEB822 = """Types: deb
URIs: http://mirror.invalid/pub/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.invalid/pub/debian-security
Suites: bookworm-security
Components: main
"""


def test_deb822_and_one_line_sources():
    assert apt.deb822_sources(DEB822)[0] == (
        "http://mirror.invalid/pub/debian", "bookworm",
        "/usr/share/keyrings/debian-archive-keyring.gpg")
    line = "deb [arch=amd64 signed-by=/k.gpg] http://m.invalid/pub/debian bookworm main\n# x\n"
    assert apt.one_line_sources(line) == [("http://m.invalid/pub/debian", "bookworm", "/k.gpg")]


def test_our_sources_list_has_every_suite_on_the_configured_mirrors():
    text = apt.sources_list(apt.deb822_sources(DEB822))
    for suite in apt.SUITES:
        assert f"http://mirror.invalid/pub/debian {suite} main" in text
    for suite in apt.SECURITY_SUITES:
        assert f"http://mirror.invalid/pub/debian-security {suite} main" in text


def test_no_mirror_is_one_line():
    with pytest.raises(apt.AptError, match="no Debian mirror"):
        apt.sources_list([])


def test_private_state_options(tmp_path):
    options = apt.Apt(tmp_path).options()
    assert f"Dir::State={tmp_path}/state" in options
    assert "Dir::Etc::SourceParts=/dev/null" in options
