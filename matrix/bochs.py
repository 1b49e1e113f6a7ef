"""The bochs-vmx platform: Bochs 3.0 emulating a nested-capable Intel CPU.

Bochs has no direct kernel boot, so the kernel, the initramfs and the command
line go on a small isolinux ISO (cached by its inputs) that Bochs boots as a
CD-ROM.  Guest ttyS0 and ttyS1 are Bochs's com1 and com2 in file mode.

Three Bochs quirks shape the launch (DESIGN.md, "Measured on these machines"):
- Debian's build starts in its debugger: an rc file with "c" continues.
- Its only headless display is "term" (curses), which needs a terminal: Bochs
  runs on a pseudo-terminal whose output is read and dropped.
- It has no -no-reboot: after a panic (panic=-1) it reboots and loops, so the
  console is watched and Bochs killed (boot.supervise does that).  A guest
  power-off (ACPI S5) makes Bochs exit by itself ("ACPI control: soft power
  off" in bochs.log).
- Its UART is paced in emulated time: what the guest wrote to ttyS1 just
  before powering off is still in the kernel's tty buffer and is lost.  The
  init must drain the channel before poweroff; `stty -F /dev/ttyS1 raw` does
  (busybox stty applies settings with TCSADRAIN).  Closing the channel is not
  enough while busybox timeout's watcher processes still hold it open.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import select
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

from . import boot
from . import bochs_setup

PLATFORM = "bochs-vmx"
ISOLINUX_BIN = Path("/usr/lib/ISOLINUX/isolinux.bin")
LDLINUX_C32 = Path("/usr/lib/syslinux/modules/bios/ldlinux.c32")
ISO_LAYOUT = "isolinux-1"       # bump when the ISO's layout changes
ISO_CACHE_KEEP = 12             # ISOs kept in the cache, newest first
DEFAULT_IPS = 4_000_000         # Bochs's own default; options.ips overrides
TERM_SIZE = (25, 80)            # rows, columns of the term display


# --- the boot ISO -----------------------------------------------------------------

def isolinux_cfg(cmdline: str) -> str:
    """isolinux.cfg that boots /vmlinuz with /initrd at once, no prompt."""
    if "\n" in cmdline:
        raise ValueError("kernel command line has a newline")
    return ("DEFAULT linux\nPROMPT 0\nTIMEOUT 0\n"
            "LABEL linux\n  KERNEL /vmlinuz\n  INITRD /initrd\n"
            f"  APPEND {cmdline}\n")


def _digest_file(digest, path: Path) -> None:
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)


def iso_key(kernel: Path, initrd: Path, cmdline: str) -> str:
    """Cache key of a boot ISO: its inputs' contents and the layout."""
    digest = hashlib.sha256(ISO_LAYOUT.encode())
    for path in (kernel, initrd):
        _digest_file(digest, path)
        digest.update(b"\0")
    digest.update(isolinux_cfg(cmdline).encode())
    return digest.hexdigest()[:24]


def xorriso_argv(iso: Path, cfg: Path, kernel: Path, initrd: Path) -> list[str]:
    """mkisofs-style xorriso call; graft points spare copying the kernel."""
    return ["xorriso", "-as", "mkisofs", "-quiet", "-o", str(iso),
            "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat",
            "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
            "-R", "-graft-points",
            f"isolinux/isolinux.bin={ISOLINUX_BIN}",
            f"isolinux/ldlinux.c32={LDLINUX_C32}",
            f"isolinux/isolinux.cfg={cfg}",
            f"vmlinuz={kernel}", f"initrd={initrd}"]


def _prune(directory: Path, keep: int) -> None:
    isos = sorted(directory.glob("*.iso"), key=lambda p: p.stat().st_mtime,
                  reverse=True)
    for old in isos[keep:]:
        old.unlink(missing_ok=True)


def boot_iso(kernel: Path, initrd: Path, cmdline: str,
             cache: Path | None = None) -> Path:
    """The cached isolinux ISO for these inputs, built when missing."""
    cache = cache or bochs_setup.cache_dir() / "bochs-iso"
    cache.mkdir(parents=True, exist_ok=True)
    iso = cache / f"{iso_key(kernel, initrd, cmdline)}.iso"
    if iso.exists():
        os.utime(iso)
        return iso
    partial = cache / f"{iso.stem}.{os.getpid()}-{threading.get_ident()}.part"
    cfg = partial.with_suffix(".cfg")
    cfg.write_text(isolinux_cfg(cmdline))
    try:
        # isolinux patches the boot info table into its own file: the image
        # gets a copy, the host's isolinux.bin is left alone (xorriso copies).
        done = subprocess.run(xorriso_argv(partial, cfg, kernel, initrd),
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError("xorriso failed: " + done.stderr.strip()[-300:])
        os.replace(partial, iso)
    finally:
        cfg.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    _prune(cache, ISO_CACHE_KEEP)
    return iso


# --- bochsrc ------------------------------------------------------------------------

def _rc_value(path: Path) -> str:
    """A path as a bochsrc value: its parser splits on commas and spaces."""
    text = str(path)
    if any(c in text for c in ', "\n#'):
        raise ValueError(f"Bochs cannot take a path with a comma, space, quote "
                         f"or '#': {text}")
    return text


def bochsrc(spec: boot.BootSpec, iso: Path, share: Path, log: Path) -> str:
    """The configuration of one boot, from the spec."""
    ips = int(spec.options.get("ips", DEFAULT_IPS))
    lines = [
        "# generated by matrix/bochs.py for one cell",
        # A triple fault ends the run (a Bochs panic) instead of rebooting
        # into a loop that only the cell timeout would stop.
        f"cpu: model={spec.cpu}, count=1, ips={ips}, reset_on_triple_fault=0",
        f"memory: guest={spec.memory_mb}, host={spec.memory_mb}",
        f"romimage: file={_rc_value(share / 'BIOS-bochs-latest')}",
        f"vgaromimage: file={_rc_value(share / 'VGABIOS-lgpl-latest')}",
        "pci: enabled=1, chipset=i440fx",
        "ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14",
        f"ata0-master: type=cdrom, path={_rc_value(iso)}, status=inserted",
        "boot: cdrom",
        f"com1: enabled=1, mode=file, dev={_rc_value(spec.console_path)}",
        f"com2: enabled=1, mode=file, dev={_rc_value(spec.channel_path)}",
        # The only display of Debian's 3.0 build that needs no X server.
        "display_library: term",
        "mouse: enabled=0",
        "clock: sync=none, time0=utc",
        f"log: {_rc_value(log)}",
        # A Bochs panic (also how it reports an ACPI power-off) ends the run;
        # nothing may stop to ask a question on the terminal.
        "panic: action=fatal",
        "error: action=report",
        "info: action=report",
        "debug: action=ignore",
    ]
    return "\n".join(lines) + "\n"


def bochs_argv(root: Path, rc: Path, commands: Path) -> list[str]:
    # -q: no start menu; -rc: debugger commands ("c" = continue).
    return bochs_setup.command_prefix(root) + ["-q", "-f", str(rc),
                                               "-rc", str(commands)]


# --- the pseudo-terminal the term display draws on ---------------------------------

class Terminal:
    """A pty whose slave is Bochs's terminal; what it draws is read and dropped.

    Reading is needed: a pty whose master nobody reads fills up and blocks
    the writer, which would stall the emulator.
    """

    def __init__(self, keep_bytes: int = 4096):
        self.master, self.slave = os.openpty()
        rows, cols = TERM_SIZE
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, cols, 0, 0))
        self.tail = b""
        self._keep = keep_bytes
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.tail = (self.tail + data)[-self._keep:]

    def close(self) -> None:
        self._stop.set()
        self._reader.join(timeout=2)
        for fd in (self.slave, self.master):
            try:
                os.close(fd)
            except OSError:
                pass


def environment(root: Path) -> dict[str, str]:
    env = bochs_setup.environment(root)
    env["TERM"] = "vt100"
    # The root's ncurses looks for terminfo under the host's paths first.
    env["TERMINFO_DIRS"] = ":".join(str(root / d) for d in (
        "usr/share/terminfo", "lib/terminfo", "etc/terminfo"))
    return env


# --- the platform interface -------------------------------------------------------

def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def available(spec_options: dict | None = None) -> str | None:
    """None when Bochs 3.0 can run here (setting it up if needed), else why not."""
    try:
        bochs_setup.ensure_root(log=_say)
        bochs_setup.ensure_host_tools()
    except (bochs_setup.SetupError, OSError) as err:
        return f"Bochs 3.0 set-up failed: {err}"
    return None


def _prepare(spec: boot.BootSpec, work: Path, root: Path) -> list[str]:
    """Write the ISO, bochsrc and debugger commands; the argv to run."""
    iso = boot_iso(spec.kernel, spec.initrd, spec.cmdline)
    rc = work / "bochsrc"
    rc.write_text(bochsrc(spec, iso, root / "usr/share/bochs", work / "bochs.log"))
    commands = work / "bochs-commands"
    commands.write_text("c\n")
    for path in (spec.console_path, spec.channel_path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    return bochs_argv(root, rc, commands)


def launch(spec: boot.BootSpec) -> boot.BootOutcome:
    """Boot the spec under Bochs 3.0 and wait as boot.supervise does."""
    work = Path(spec.work_dir or spec.console_path.parent)
    work.mkdir(parents=True, exist_ok=True)
    try:
        root = bochs_setup.ensure_root(log=lambda line: None)
        argv = _prepare(spec, work, root)
    except (bochs_setup.SetupError, RuntimeError, ValueError, OSError) as err:
        return boot.BootOutcome(0.0, note=f"bochs set-up: {err}", started=False)
    terminal = Terminal()
    try:
        outcome = boot.supervise(argv, spec, env=environment(root),
                                 stdin=terminal.slave, stdout=terminal.slave)
    finally:
        terminal.close()
    if outcome.started and not outcome.note:
        outcome.note = exit_note(work / "bochs.log", outcome.returncode)
    return outcome


def exit_note(log: Path, returncode: int | None) -> str:
    """Why Bochs exited by itself, from its log (power-off is the normal end)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return f"bochs exited with {returncode}"
    if "ACPI control: soft power off" in text or "power off" in text.lower():
        return "guest powered off"
    for line in text.splitlines():
        if "PANIC" in line or "p[" in line:
            return "bochs: " + line.strip()[-200:]
    return f"bochs exited with {returncode}"
