"""`python3 -m matrix.cli [--set default|full] [--kernels A,B] [--platforms P,Q]
[--jobs N] [--build DIR]`: run the kernel matrix through its pytest driver,
print a line per finished cell and the kernel-by-platform table."""
import argparse
import sys
from pathlib import Path

import pytest

from results.hostinfo import REPO_ROOT, UsageError
from results.summary import run_failed

from . import plan as planning
from .boot import INTERRUPT
from .config import ConfigError
from .table import problems, summary_table

DRIVER = Path(__file__).resolve().parent / "driver.py"


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def build_parser() -> Parser:
    parser = Parser(prog="./run.sh matrix", description="Run the kernel matrix.")
    parser.add_argument("--set", dest="set_name", help="a set of matrix/kernels.toml "
                        "(default: default; full = every series in the archive)")
    parser.add_argument("--kernels", help="comma-separated kernel names, or "
                        "debian:<series|version|newest>, local:<path>")
    parser.add_argument("--platforms", help="comma-separated platforms of "
                        "matrix/platforms.toml (default: all)")
    parser.add_argument("--jobs", type=positive, help="cells run at once (default: cores)")
    parser.add_argument("--build", type=Path, default=REPO_ROOT / "build",
                        help="build directory holding tests/<area>/<binary>")
    return parser


def run(args) -> int:
    plan = planning.prepare(args.set_name, args.kernels, args.platforms, args.jobs,
                            args.build)
    planning.CURRENT = plan
    print(f"matrix: {len(plan.cells)} cells, {plan.jobs} at a time, "
          f"{len(plan.context.binaries)} test binaries; run {plan.context.run_dir.name}",
          file=sys.stderr, flush=True)
    # pytest expands and judges the cells; the progress lines and the table
    # below are the report (its own terminal output would interleave with them).
    code = pytest.main([str(DRIVER), "--capture=no", "-p", "no:cacheprovider",
                        "-p", "no:terminal", "--rootdir", str(REPO_ROOT)])
    if planning.DOC is None:
        print("error: the matrix run did not finish (pytest exit "
              f"{int(code)}); partial output in {plan.context.run_dir}", file=sys.stderr)
        return 2
    print()
    print(problems(planning.DOC))
    print(summary_table(planning.DOC, plan.context.run_dir))
    return 1 if run_failed(planning.DOC) else 0


def main(argv=None) -> int:
    try:
        return run(build_parser().parse_args(argv))
    except (ConfigError, UsageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {err.filename or ''}: {err.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        INTERRUPT.set()             # kill the running emulators, start no cell
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
