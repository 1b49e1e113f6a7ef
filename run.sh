#!/usr/bin/env bash
# kvmabi: conformance tests for the Linux KVM vCPU-state ABI.
# Every subcommand installs and builds what it needs first; see --help.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${KVMABI_BUILD:-$ROOT/build}
CACHE=${KVMABI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvmabi}
PY=/usr/bin/python3	# Debian's python3: pytest and jinja2 come from apt
export KVMABI_CACHE=$CACHE

# Debian packages and why each is here (the README says the same).
PACKAGES=(
	gcc libc6-dev		# builds the static test binaries
	linux-libc-dev		# <linux/kvm.h>, <asm/kvm.h>: the uapi under test
	ninja-build		# incremental build of one binary per test
	python3 python3-pytest	# the results tools and the project's own tests
	busybox-static		# the initramfs userland of matrix cells
	qemu-system-x86		# boots kernels for the matrix (TCG, SVM)
	cpio xz-utils zstd kmod	# initramfs and kernel module handling
	debootstrap		# a private Debian trixie root for Bochs 3.0
	xorriso isolinux syslinux-common # the boot ISO of a Bochs cell
)

usage() {
	cat <<'EOF'
usage: ./run.sh [COMMAND] [ARGS]

  (none)        set up, build, fetch the kernels and run the default matrix:
                5.10, 6.1, 6.12 and the newest Debian kernel on host,
                qemu-tcg-svm, bochs-vmx and qemu-kvm
  matrix [--set default|full] [--kernels A,B] [--platforms P,Q] [--jobs N]
                run a chosen part of the matrix; kernels are names from
                matrix/kernels.toml or debian:<series|version|newest>,
                local:<tree> or local:<bzImage>,<modules dir>
  host          run every test against this machine's kernel only
  list [--json] the catalogue of tests: id, behaviour, rule, source, history
  bench [--platforms P] [--kernels K] [--no-cold] [--no-full]
                benchmark: each cell against a bare boot of the same kernel
  setup         install Debian packages and fetch the kselftest harness
  build         build every test into a static binary under build/
  test          the project's own tests: build, unit tests (pytest) with one
                real QEMU cell, and a host run where /dev/kvm exists
  -h, --help    this text

Results go to results/runs/<run-id>/ (results/runs/latest is the newest).
Environment: KSRC=<linux tree> takes the kselftest harness from that tree
instead of Debian's linux-source package; KVMABI_CACHE (default
~/.cache/kvmabi) holds fetched kernels, initramfs images, Bochs and the
harness.
EOF
}

die() {
	echo "error: $*" >&2
	exit 2
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "setup installs Debian packages: run it as root or install sudo"
	fi
}

missing_packages() {
	local p
	for p in "${PACKAGES[@]}"; do
		case $p in \#*) continue ;; esac
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

install_packages() {
	local missing
	missing=$(missing_packages | tr '\n' ' ')
	[ -z "$missing" ] && return 0
	echo "setup: installing $missing"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# The directory holding kselftest_harness.h and kselftest.h.
ksft_dir() {
	if [ -n "${KSRC:-}" ]; then
		local d=$KSRC/tools/testing/selftests
		[ -f "$d/kselftest_harness.h" ] ||
			die "KSRC=$KSRC has no tools/testing/selftests/kselftest_harness.h: point KSRC at a Linux source tree, or unset it to use Debian's linux-source"
		echo "$d"
	else
		cat "$CACHE/kselftest/current" 2>/dev/null || true
	fi
}

# Debian's linux-source, unpacked once: only the two harness headers are kept.
fetch_kselftest() {
	[ -n "${KSRC:-}" ] && { ksft_dir >/dev/null; return 0; }
	local cur
	cur=$(ksft_dir)
	[ -n "$cur" ] && [ -f "$cur/kselftest_harness.h" ] && return 0
	local pkg=linux-source-6.12
	apt-cache show "$pkg" >/dev/null 2>&1 || pkg=linux-source
	local tmp
	tmp=$(mktemp -d)
	echo "setup: fetching the kselftest harness from Debian's $pkg"
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
		{ rm -rf "$tmp"; die "apt-get download $pkg failed: check the machine's apt sources"; }
	local deb ver dest
	deb=$(ls "$tmp"/*.deb)
	ver=$(dpkg-deb -f "$deb" Version)
	dest=$CACHE/kselftest/$pkg-$ver
	mkdir -p "$dest" "$tmp/x"
	dpkg-deb -x "$deb" "$tmp/x"
	tar -xJf "$tmp"/x/usr/src/linux-source-*.tar.xz -C "$tmp" --wildcards \
		'*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/kselftest_harness.h'
	cp "$tmp"/linux-source-*/tools/testing/selftests/kselftest*.h "$dest/"
	rm -rf "$tmp"
	echo "$dest" >"$CACHE/kselftest/current"
}

cmd_setup() {
	install_packages
	mkdir -p "$CACHE"
	fetch_kselftest
}

cmd_build() {
	cmd_setup
	local ksft
	ksft=$(ksft_dir)
	"$PY" "$ROOT/harness/gen-build.py" --root "$ROOT" --ksft "$ksft" --out "$BUILD"
	ninja -C "$BUILD" -k 0
}

py() {
	cd "$ROOT" && "$PY" -m results.cli "$@"
}

matrix() {
	cd "$ROOT" && "$PY" -m matrix.cli --build "$BUILD" "$@"
}

cmd_test() {
	cmd_build
	cd "$ROOT"
	"$PY" -m pytest -q -p no:cacheprovider results matrix/tests
	if [ -e /dev/kvm ]; then
		py host --build "$BUILD" --tool-check
	else
		echo "test: /dev/kvm is absent: the host run is left out"
	fi
}

main() {
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $cmd in
	"") cmd_build && matrix ;;
	matrix) cmd_build && matrix "$@" ;;
	host) cmd_build && py host --build "$BUILD" "$@" ;;
	list) py list "$@" ;;
	bench) cmd_build && cd "$ROOT" && "$PY" -m matrix.bench "$@" ;;
	setup) cmd_setup ;;
	build) cmd_build ;;
	test) cmd_test ;;
	-h | --help | help) usage ;;
	*) die "unknown command '$cmd': see ./run.sh --help" ;;
	esac
}

main "$@"
