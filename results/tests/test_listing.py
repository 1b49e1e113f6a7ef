"""`-l` parsing, against the harness's real column layout."""
from results.listing import parse_listing
from results.tests.fakes import listing

REAL_OUTPUT = """\
# FIXTURE            VARIANT                   TEST
global                                         
--------------------------------------------------------------------------------
guest                                          out_exits_with_kvm_exit_io
                                               reentry_completes_out_and_guest_continues
"""


def test_real_output_from_a_built_binary():
    assert parse_listing(REAL_OUTPUT.splitlines()) == [
        "guest.out_exits_with_kvm_exit_io",
        "guest.reentry_completes_out_and_guest_continues"]


def test_variants_multiply_with_tests_in_run_order():
    text = listing([("global", [], ["a"]),
                    ("xsave", ["avx", "avx512", "amx"], ["roundtrip"]),
                    ("a_fixture_name_longer_than_20", ["v_name_longer_than_25_chars_x"],
                     ["t1", "t2"])])
    assert parse_listing(text.splitlines()) == [
        "global.a", "xsave.avx.roundtrip", "xsave.avx512.roundtrip",
        "xsave.amx.roundtrip",
        "a_fixture_name_longer_than_20.v_name_longer_than_25_chars_x.t1",
        "a_fixture_name_longer_than_20.v_name_longer_than_25_chars_x.t2"]


def test_nothing_listed():
    assert parse_listing([]) == []
