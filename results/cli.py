"""kvmabi results command line: `python3 -m results.cli {host,list}`."""
import argparse
import os
import sys
from pathlib import Path

from . import catalogue, hostinfo, runner, store
from .hostinfo import REPO_ROOT, UsageError
from .summary import run_failed, summarise

DEFAULT_TIMEOUT_S = 120.0


class Parser(argparse.ArgumentParser):
    """argparse, but errors are one `error: ...` line and exit 2."""

    def error(self, message):
        raise UsageError(message)


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text!r}")
    return value


def build_parser() -> Parser:
    parser = Parser(prog="python3 -m results.cli",
                    description="Run kvmabi tests and read their results.")
    commands = parser.add_subparsers(dest="command", required=True,
                                     parser_class=Parser, metavar="{host,list}")
    host = commands.add_parser("host", help="run every test binary on this host")
    host.add_argument("--build", type=Path, default=REPO_ROOT / "build",
                      help="build directory holding tests/<area>/<binary>")
    host.add_argument("--timeout", type=positive_seconds, default=DEFAULT_TIMEOUT_S,
                      help="seconds each binary may run (default %(default)g)")
    host.add_argument("--tool-check", action="store_true",
                      help="exit 1 only on ERROR or MISS, not on the kernel's FAILs")
    listing = commands.add_parser("list", help="print the test catalogue")
    listing.add_argument("--json", action="store_true", help="as a JSON array")
    return parser


def command_list(args) -> int:
    entries = catalogue.load()
    if args.json:
        print(catalogue.as_json(entries))
    elif entries:
        print(catalogue.as_table(entries))
    else:
        print("no test sources under tests/ yet", file=sys.stderr)
    return 0


def command_host(args) -> int:
    hostinfo.check_kvm()
    if not args.build.is_dir():
        raise UsageError(f"build directory {args.build} does not exist: "
                         "run ./run.sh build first")
    if not runner.find_binaries(args.build):
        raise UsageError(f"no test binaries under {args.build / 'tests'}: "
                         "run ./run.sh build first")
    behaviours = load_behaviours()
    started = store.utc_now()
    run_dir = store.create_run_dir(store.runs_dir(), "host", started)
    cell = hostinfo.host_cell()
    results = runner.run_all(args.build, store.cell_dir(run_dir, cell),
                             args.timeout, progress=announce)
    store.stamp(results, cell, behaviours)
    run = {"id": run_dir.name, "started": store.iso(started),
           "finished": store.iso(store.utc_now()),
           "tool_version": hostinfo.tool_version(), "mode": "host"}
    doc = store.save_run(run_dir, run, [cell], results)
    print(summarise(doc, run_dir))
    return 1 if run_failed(doc, args.tool_check) else 0


def load_behaviours() -> dict:
    """A bad header must not stop a run: warn, and leave behaviour null."""
    try:
        return catalogue.behaviours(catalogue.load())
    except UsageError as err:
        print(f"warning: {err}; results will have no behaviour", file=sys.stderr)
        return {}


def announce(path: Path) -> None:
    print(f"running {path.parent.name}/{path.name}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return {"host": command_host, "list": command_list}[args.command](args)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader (e.g. `| head`) has gone: stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:
        print(f"error: {err.filename or ''}: {err.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
