"""Parse `binary -l`, the kselftest harness's test listing (Linux 6.12).

test_harness_list_tests() prints, per fixture, rows of three columns
"%-20s %-25s %s": the fixture name (first row only), its variants and its
tests, zipped side by side -- a row is NOT one test. The tests that run are
every variant times every test, named like __run_test():
"fixture[.variant].test". Fixtures are separated by a dashed line; the first
fixture is preceded by a "# FIXTURE VARIANT TEST" header.
"""
from dataclasses import dataclass, field

FIXTURE_WIDTH = 20
VARIANT_WIDTH = 25


@dataclass
class Fixture:
    name: str
    variants: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)

    def test_names(self) -> list[str]:
        # A fixture without FIXTURE_VARIANT runs once under the "" variant.
        return [tap_name(self.name, variant, test)
                for variant in self.variants or [""] for test in self.tests]


def tap_name(fixture: str, variant: str, test: str) -> str:
    """The name __run_test() prints in RUN and result lines."""
    return f"{fixture}.{variant}.{test}" if variant else f"{fixture}.{test}"


def take_column(text: str, width: int) -> tuple[str, str]:
    """Read one "%-<width>s " column; names never contain spaces."""
    if not text or text[0] == " ":
        return "", text[width + 1:]
    name = text.split()[0]
    return name, text[max(width, len(name)) + 1:]


def parse_listing(lines) -> list[str]:
    """Return the TAP names of every test in run order."""
    fixtures: list[Fixture] = []
    for line in lines:
        line = line.rstrip("\r\n")
        if not line.strip() or line.startswith("#") or set(line) == {"-"}:
            continue
        fixture, rest = take_column(line, FIXTURE_WIDTH)
        variant, rest = take_column(rest, VARIANT_WIDTH)
        test = rest.strip()
        if fixture:
            fixtures.append(Fixture(fixture))
        elif not fixtures:
            continue                 # stray output before the listing
        if variant:
            fixtures[-1].variants.append(variant)
        if test:
            fixtures[-1].tests.append(test)
    return [name for fixture in fixtures for name in fixture.test_names()]
