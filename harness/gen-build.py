#!/usr/bin/python3
"""Writes build/build.ninja: one static binary per tests/<area>/<name>.c.

Adding a test is adding its file: the next `./run.sh build` picks it up.
The file is rewritten only when its text changes, so a no-op build stays one.
"""
import argparse
import pathlib
import sys

CFLAGS = ("-O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-clobbered -Wno-sign-compare "
          "-D_GNU_SOURCE -fno-pie -fno-stack-protector -mno-red-zone")
# Static and not position independent: the harness copies the binary into
# guest memory at its link address, and the binary must run in a busybox
# initramfs on any kernel.
LDFLAGS = "-static -no-pie"


def ninja_text(root: pathlib.Path, ksft: pathlib.Path) -> str:
    harness = sorted((root / "harness").glob("*.c"))
    tests = sorted((root / "tests").glob("*/*.c"))
    lines = [
        f"cflags = {CFLAGS} -I{root}/harness -I{ksft}",
        f"ldflags = {LDFLAGS}",
        "rule cc",
        "  command = gcc -MMD -MF $out.d $cflags -c $in -o $out",
        "  depfile = $out.d",
        "  deps = gcc",
        "  description = CC $out",
        "rule ar",
        "  command = rm -f $out && ar rcs $out $in",
        "  description = AR $out",
        "rule link",
        "  command = gcc $ldflags -o $out $in",
        "  description = LINK $out",
    ]
    objs = []
    for src in harness:
        obj = f"harness/{src.stem}.o"
        lines.append(f"build {obj}: cc {src}")
        objs.append(obj)
    lines.append(f"build libkvmabi.a: ar {' '.join(objs)}")
    for src in tests:
        area, name = src.parent.name, src.stem
        lines.append(f"build tests/{area}/{name}.o: cc {src}")
        lines.append(f"build tests/{area}/{name}: link tests/{area}/{name}.o libkvmabi.a")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=pathlib.Path, required=True)
    ap.add_argument("--ksft", type=pathlib.Path, required=True)
    ap.add_argument("--out", type=pathlib.Path, required=True)
    a = ap.parse_args()
    text = ninja_text(a.root.resolve(), a.ksft.resolve())
    a.out.mkdir(parents=True, exist_ok=True)
    path = a.out / "build.ninja"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
