"""The bochs-vmx launcher: set-up, ISO, bochsrc, and how a boot ends.

Everything but the last test runs without Bochs: a fake bochs-bin (a shell
script that reads the generated bochsrc and writes canned serial output)
stands in for the emulator.
"""
import shutil
import subprocess
from pathlib import Path

import pytest

from matrix import boot, bochs, bochs_setup
from matrix.boot import BootSpec


# --- the machine's mirror ------------------------------------------------------------

DEB822 = """\
Types: deb
URIs: http://mirror.invalid/pub/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.invalid/pub/debian-security
Suites: bookworm-security
Components: main
"""


def test_mirror_is_the_main_archive_of_a_deb822_file():
    files = {"/etc/apt/sources.list.d/debian.sources": DEB822}
    assert bochs_setup.mirror_from_sources(files) == "http://mirror.invalid/pub/debian"


def test_mirror_skips_disabled_and_source_only_stanzas():
    text = ("Types: deb-src\nURIs: http://src.example/debian\n\n"
            "Types: deb\nEnabled: no\nURIs: http://off.example/debian\n\n" + DEB822)
    files = {"/etc/apt/sources.list.d/x.sources": text}
    assert bochs_setup.mirror_from_sources(files) == "http://mirror.invalid/pub/debian"


def test_mirror_from_a_one_line_sources_list_with_options():
    text = ("# deb http://commented.invalid/pub/debian bookworm main\n"
            "deb [arch=amd64 signed-by=/k.gpg] http://mirror.invalid/pub/debian bookworm main\n")
    assert bochs_setup.mirror_from_sources({"/etc/apt/sources.list": text}) == \
        "http://mirror.invalid/pub/debian"


def test_no_mirror_configured():
    assert bochs_setup.mirror_from_sources({"/etc/apt/sources.list": "# empty\n"}) is None


# --- the trixie root ----------------------------------------------------------------

def fake_debootstrap(complete=True):
    """A subprocess.run stand-in that lays out what debootstrap would."""
    calls = []

    def run(argv, **kwargs):
        calls.append(argv)
        root = Path(argv[-2])
        if complete:
            parts = ["usr/bin/bochs-bin", "lib64/ld-linux-x86-64.so.2",
                     "usr/share/bochs/BIOS-bochs-latest", "usr/share/vgabios/vgabios.bin"]
            parts += [f"usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_{name}.so"
                      for name in ("serial", "harddrv", "acpi", "term_gui")]
            for part in parts:
                (root / part).parent.mkdir(parents=True, exist_ok=True)
                (root / part).write_text("")
        # GUI packages failing to configure make debootstrap exit 1.
        return subprocess.CompletedProcess(argv, 1, "", "dconf-service failed")
    return run, calls


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KVMABI_CACHE", str(tmp_path))
    monkeypatch.setattr(bochs_setup, "ensure_host_tools", lambda: None)
    monkeypatch.setattr(bochs_setup, "machine_mirror", lambda: "http://mirror.invalid/pub/debian")
    return tmp_path


def test_setup_judges_the_root_not_the_exit_code_and_stamps_it(cache, monkeypatch):
    run, calls = fake_debootstrap()
    monkeypatch.setattr(subprocess, "run", run)
    root = bochs_setup.ensure_root(log=lambda line: None)
    assert root == cache / "bochs-trixie" and bochs_setup.is_ready(root)
    assert calls[0][:3] == ["debootstrap", "--variant=minbase",
                            "--include=bochs,bochsbios,vgabios,bochs-term"]
    assert calls[0][-3:] == ["trixie", str(root), "http://mirror.invalid/pub/debian"]


def test_setup_is_done_once(cache, monkeypatch):
    run, calls = fake_debootstrap()
    monkeypatch.setattr(subprocess, "run", run)
    bochs_setup.ensure_root(log=lambda line: None)
    bochs_setup.ensure_root(log=lambda line: None)
    assert len(calls) == 1


def test_an_unfinished_root_is_made_again(cache, monkeypatch):
    leftover = cache / "bochs-trixie" / "half-written"
    leftover.parent.mkdir()
    leftover.write_text("")
    run, calls = fake_debootstrap()
    monkeypatch.setattr(subprocess, "run", run)
    bochs_setup.ensure_root(log=lambda line: None)
    assert len(calls) == 1 and not leftover.exists()


def test_a_root_without_bochs_is_an_error_naming_what_is_missing(cache, monkeypatch):
    run, _ = fake_debootstrap(complete=False)
    monkeypatch.setattr(subprocess, "run", run)
    with pytest.raises(bochs_setup.SetupError, match="usr/bin/bochs-bin"):
        bochs_setup.ensure_root(log=lambda line: None)
    assert not (cache / "bochs-trixie" / bochs_setup.STAMP).exists()


def test_bochs_runs_through_the_roots_own_loader_and_libraries(tmp_path):
    argv = bochs_setup.command_prefix(tmp_path)
    assert argv == [f"{tmp_path}/lib64/ld-linux-x86-64.so.2", "--library-path",
                    f"{tmp_path}/lib/x86_64-linux-gnu:{tmp_path}/usr/lib/x86_64-linux-gnu",
                    f"{tmp_path}/usr/bin/bochs-bin"]
    env = bochs_setup.environment(tmp_path)
    assert env["LTDL_LIBRARY_PATH"] == f"{tmp_path}/usr/lib/x86_64-linux-gnu/bochs/plugins"
    assert env["BXSHARE"] == f"{tmp_path}/usr/share/bochs"


# --- the boot ISO ---------------------------------------------------------------------

def test_isolinux_boots_the_kernel_at_once_with_the_cmdline():
    cfg = bochs.isolinux_cfg("console=ttyS0 panic=-1")
    assert "PROMPT 0" in cfg and "TIMEOUT 0" in cfg
    assert "KERNEL /vmlinuz" in cfg and "INITRD /initrd" in cfg
    assert "  APPEND console=ttyS0 panic=-1\n" in cfg


def test_a_cmdline_with_a_newline_is_refused():
    with pytest.raises(ValueError):
        bochs.isolinux_cfg("console=ttyS0\nDEFAULT evil")


def test_the_iso_key_covers_kernel_initrd_and_cmdline(tmp_path):
    kernel, initrd = tmp_path / "k", tmp_path / "i"
    kernel.write_text("kernel")
    initrd.write_text("initrd")
    key = bochs.iso_key(kernel, initrd, "a")
    assert bochs.iso_key(kernel, initrd, "b") != key
    initrd.write_text("initrd2")
    assert bochs.iso_key(kernel, initrd, "a") != key


@pytest.mark.skipif(not (shutil.which("xorriso") and bochs.ISOLINUX_BIN.exists()
                         and bochs.LDLINUX_C32.exists()),
                    reason="xorriso, isolinux or syslinux-common not installed")
def test_the_iso_is_built_once_per_inputs(tmp_path, monkeypatch):
    kernel, initrd = tmp_path / "vmlinuz", tmp_path / "initrd.cpio"
    kernel.write_bytes(b"k" * 4096)
    initrd.write_bytes(b"i" * 4096)
    iso = bochs.boot_iso(kernel, initrd, "console=ttyS0", cache=tmp_path / "isos")
    assert iso.stat().st_size > 0 and list((tmp_path / "isos").iterdir()) == [iso]
    listing = subprocess.run(["xorriso", "-indev", str(iso), "-find", "/", "-type", "f"],
                             capture_output=True, text=True).stdout
    for name in ("/vmlinuz", "/initrd", "/isolinux/isolinux.bin",
                 "/isolinux/ldlinux.c32", "/isolinux/isolinux.cfg"):
        assert f"'{name}'" in listing
    monkeypatch.setattr(subprocess, "run", None)     # a rebuild would crash
    assert bochs.boot_iso(kernel, initrd, "console=ttyS0", cache=tmp_path / "isos") == iso


# --- bochsrc -------------------------------------------------------------------------

def make_spec(tmp_path, timeout_s=5.0, **options):
    return BootSpec(tmp_path / "vmlinuz", tmp_path / "initrd",
                    "console=ttyS0 quiet panic=-1", tmp_path / "console.log",
                    tmp_path / "channel.log", timeout_s, "corei7_skylake_x",
                    memory_mb=1024, work_dir=tmp_path, options=options)


def rc_settings(text):
    """bochsrc as {directive: value}, comments dropped."""
    pairs = (line.split(":", 1) for line in text.splitlines()
             if line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def test_bochsrc_from_the_spec(tmp_path):
    spec = make_spec(tmp_path)
    rc = rc_settings(bochs.bochsrc(spec, Path("/c/boot.iso"), Path("/share"),
                                   tmp_path / "bochs.log"))
    assert rc["cpu"].startswith("model=corei7_skylake_x, count=1, ips=4000000")
    assert rc["memory"] == "guest=1024, host=1024"
    assert rc["ata0-master"] == "type=cdrom, path=/c/boot.iso, status=inserted"
    assert rc["boot"] == "cdrom"
    assert rc["com1"] == f"enabled=1, mode=file, dev={tmp_path}/console.log"
    assert rc["com2"] == f"enabled=1, mode=file, dev={tmp_path}/channel.log"
    assert rc["display_library"] == "term"
    assert rc["romimage"] == "file=/share/BIOS-bochs-latest"
    assert rc["panic"] == "action=fatal"


def test_bochsrc_takes_ips_from_the_platform_options(tmp_path):
    text = bochs.bochsrc(make_spec(tmp_path, ips=50_000_000), Path("/i.iso"),
                         Path("/s"), tmp_path / "log")
    assert "ips=50000000," in rc_settings(text)["cpu"]


def test_bochsrc_refuses_a_path_its_parser_would_split(tmp_path):
    spec = make_spec(tmp_path / "a,b")
    with pytest.raises(ValueError, match="comma"):
        bochs.bochsrc(spec, Path("/i.iso"), Path("/s"), tmp_path / "log")


def test_bochs_is_told_to_continue_past_its_debugger(tmp_path):
    argv = bochs.bochs_argv(tmp_path, tmp_path / "bochsrc", tmp_path / "cmds")
    assert argv[-5:] == ["-q", "-f", f"{tmp_path}/bochsrc", "-rc", f"{tmp_path}/cmds"]


# --- how a boot ends: a fake bochs-bin -------------------------------------------------

FAKE_BOCHS = """#!/bin/sh
# Stands in for bochs-bin: finds the serial files and log in the bochsrc.
while [ $# -gt 0 ]; do [ "$1" = -f ] && rc=$2; shift; done
console=$(sed -n 's/^com1:.*dev=//p' "$rc")
channel=$(sed -n 's/^com2:.*dev=//p' "$rc")
log=$(sed -n 's/^log: //p' "$rc")
grep -qx c "$(dirname "$rc")/bochs-commands" || exit 9
{behaviour}
"""


@pytest.fixture
def fake_bochs(tmp_path, monkeypatch):
    """launch() with a fake emulator; returns run(behaviour, timeout_s)."""
    monkeypatch.setattr(boot, "AFTER_DONE_GRACE_S", 0.3)
    monkeypatch.setattr(boot, "AFTER_PANIC_GRACE_S", 0.3)
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setattr(bochs_setup, "ensure_root", lambda log=None: root)
    monkeypatch.setattr(bochs, "boot_iso", lambda *args: tmp_path / "boot.iso")
    script = tmp_path / "fake-bochs"
    monkeypatch.setattr(bochs_setup, "command_prefix", lambda root: [str(script)])

    def run(behaviour, timeout_s=10.0):
        script.write_text(FAKE_BOCHS.format(behaviour=behaviour))
        script.chmod(0o755)
        work = tmp_path / "cell"
        work.mkdir(exist_ok=True)
        return bochs.launch(make_spec(work, timeout_s))
    return run


def test_a_guest_that_powers_off(fake_bochs):
    outcome = fake_bochs('echo "ok 1 x" > "$channel"; echo KVMABI-DONE >> "$channel"\n'
                         'echo "p[ACPI  ] >>PANIC<< ACPI control: soft power off" > "$log"\n'
                         "exit 1")
    assert (outcome.returncode, outcome.timed_out) == (1, False)
    assert outcome.note == "guest powered off"


def test_a_panic_loop_is_killed(fake_bochs):
    outcome = fake_bochs('while :; do echo "Kernel panic - not syncing: Attempted to '
                         'kill init!" >> "$console"; sleep 0.1; done')
    assert outcome.note == "killed after kernel panic" and not outcome.timed_out


def test_a_guest_done_but_still_running_is_stopped(fake_bochs):
    outcome = fake_bochs('echo KVMABI-DONE > "$channel"; sleep 60')
    assert outcome.note == "stopped after the guest finished" and outcome.seconds < 5


def test_a_hung_guest_is_killed_at_the_timeout(fake_bochs):
    outcome = fake_bochs("sleep 60", timeout_s=0.5)
    assert outcome.timed_out and outcome.seconds < 5


def test_the_term_display_gets_a_terminal(fake_bochs):
    outcome = fake_bochs('[ -t 0 ] && [ -t 1 ] || exit 7\n'
                         '[ "$(stty size)" = "25 80" ] || exit 8\nexit 0')
    assert outcome.returncode == 0


def test_what_the_display_draws_is_drained(fake_bochs):
    # 4 MiB on the terminal: a pty nobody read would block the emulator.
    outcome = fake_bochs("head -c 4194304 /dev/zero | tr '\\0' x; exit 0", timeout_s=20)
    assert outcome.returncode == 0 and not outcome.timed_out


def test_a_setup_failure_is_a_boot_that_never_started(tmp_path, monkeypatch):
    def broken(log=None):
        raise bochs_setup.SetupError("debootstrap failed")
    monkeypatch.setattr(bochs_setup, "ensure_root", broken)
    outcome = bochs.launch(make_spec(tmp_path))
    assert not outcome.started and "debootstrap failed" in outcome.note


def test_exit_note_quotes_a_bochs_panic(tmp_path):
    log = tmp_path / "bochs.log"
    log.write_text("00001i[CPU0 ] fine\n00002p[HD   ] >>PANIC<< ata0: bad image\n")
    assert bochs.exit_note(log, 1) == "bochs: 00002p[HD   ] >>PANIC<< ata0: bad image"


# --- one real boot ------------------------------------------------------------------------

def cached_kernel():
    """A Debian 6.1 kernel and its kvm modules from the matrix's fetch cache."""
    kernels = bochs_setup.cache_dir() / "kernels"
    for folder in sorted(kernels.glob("linux-image-6.1.*"), reverse=True):
        if (folder / "vmlinuz").exists():
            return folder
    return None


def test_a_real_bare_boot_powers_off(tmp_path):
    if not bochs_setup.is_ready():
        pytest.skip(f"Bochs 3.0 not set up in {bochs_setup.root_dir()} "
                    "(the matrix's first bochs-vmx cell sets it up)")
    kernel = cached_kernel()
    if kernel is None:
        pytest.skip(f"no Debian 6.1 kernel in {bochs_setup.cache_dir() / 'kernels'} "
                    "(./run.sh matrix --kernels 6.1 fetches one)")
    busybox = Path("/bin/busybox")
    if not busybox.exists():
        pytest.skip("busybox-static not installed")
    initrd = tmp_path / "initrd.cpio"
    stage = tmp_path / "stage"
    (stage / "bin").mkdir(parents=True)
    shutil.copy(busybox, stage / "bin" / "busybox")
    (stage / "init").write_text("#!/bin/busybox sh\n"
                                "/bin/busybox echo KVMABI-DONE > /dev/ttyS1\n"
                                "/bin/busybox poweroff -f\n")
    (stage / "init").chmod(0o755)
    with open(initrd, "wb") as out:
        names = subprocess.run(["find", "."], cwd=stage, capture_output=True).stdout
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=stage,
                       input=names, stdout=out, check=True)
    spec = make_spec(tmp_path, timeout_s=600)
    spec.kernel, spec.initrd = kernel / "vmlinuz", initrd
    outcome = bochs.launch(spec)
    console = spec.console_path.read_text(errors="replace")
    assert outcome.note == "guest powered off", console[-2000:]
    assert "reboot: Power down" in console
