"""The matrix command line: bad input is one error line and exit 2."""
import pytest

from matrix import cli


@pytest.mark.parametrize("argv, expected", [
    (["--platforms", "vbox"], "unknown platform 'vbox'"),
    (["--kernels", "2.6"], "unknown kernel '2.6'"),
    (["--set", "huge"], "unknown set 'huge'"),
    (["--jobs", "zero"], "not a positive whole number"),
    (["--colour"], "unrecognized arguments: --colour"),
])
def test_bad_input(capsys, argv, expected):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err and len(err.splitlines()) == 1
