#!/bin/busybox sh
# kvmabi guest init: the whole userland of a matrix cell (matrix/initramfs.py
# packs it as /init with busybox, the kvm modules and the test binaries).
#
# Loads the platform's kvm vendor module with nested=1, records the cell's
# facts, lists then runs every test binary, and powers off. Everything the
# host needs goes to the second serial port, /dev/ttyS1, framed so that a
# binary's TAP and exit status cannot mix with the kernel's console:
#   KVMABI-FACT key=value
#   KVMABI-BEGIN list|run <area>/<binary>  ...output...  KVMABI-END list|run <area>/<binary> rc=<n>
#   KVMABI-DONE
# Kernel command line: kvmabi.module=kvm_amd|kvm_intel|auto,
# kvmabi.timeout=<s per binary>, kvmabi.mode=run|bare (bare: power off at
# once, for the benchmark), kvmabi.drain=<s to wait before power off>.

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp

arg() {	# arg NAME DEFAULT: the value of kvmabi.NAME= on the command line
	for word in $(cat /proc/cmdline); do
		case $word in kvmabi.$1=*) echo "${word#*=}"; return ;; esac
	done
	echo "$2"
}

finish() {
	echo KVMABI-DONE >&3
	# Drain the channel before power off: busybox stty sets the line with
	# TCSADRAIN, which returns only once the UART has sent every byte.
	# Bochs's slow UART otherwise loses the tail (a sleep does not help: a
	# guest second is many host seconds there).
	[ -c /dev/ttyS1 ] && stty -F /dev/ttyS1 raw -echo 2>/dev/null
	sleep "$(arg drain 0)"
	poweroff -f
	echo o >/proc/sysrq-trigger
}

# The channel: raw, so the host sees exactly what the binaries print.
if [ -c /dev/ttyS1 ]; then
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	exec 3>/dev/ttyS1
else
	echo "kvmabi: no /dev/ttyS1: the channel goes to the console" >/dev/console
	exec 3>/dev/console
fi
fact() { echo "KVMABI-FACT $1=$2" >&3; }

[ "$(arg mode run)" = bare ] && finish

vendor=$(arg module auto)
if [ "$vendor" = auto ]; then
	grep -q AuthenticAMD /proc/cpuinfo && vendor=kvm_amd || vendor=kvm_intel
fi

# Dependencies first (the order file says which), the vendor module last.
load_kvm() {
	for ko in $(cat "/kvm/$vendor.order" 2>/dev/null); do
		params=
		[ "$ko" = "$vendor.ko" ] && params=nested=1
		insmod "/kvm/$ko" $params 2>&1 || return 1
	done
	[ -f "/kvm/$vendor.order" ]
}

fact release "$(uname -r)"
fact cpu_model "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
fact module "$vendor"
if msg=$(load_kvm); then fact module_load ok; else fact module_load "failed: $(echo $msg | tail -c 200)"; fi
fact nested "$(cat /sys/module/$vendor/parameters/nested 2>/dev/null || echo absent)"
/kvm-facts 2>&1 | while read -r line; do fact "${line%%=*}" "${line#*=}"; done

limit=$(arg timeout 300)
for mode in list run; do
	for bin in /tests/*/*; do
		[ -x "$bin" ] || continue
		name=${bin#/tests/}
		flag=
		[ $mode = list ] && flag=-l
		[ $mode = run ] && echo "kvmabi: running $name" >/dev/console
		echo "KVMABI-BEGIN $mode $name" >&3
		timeout -s KILL "$limit" "$bin" $flag >&3 2>&3 </dev/null
		echo "KVMABI-END $mode $name rc=$?" >&3
	done
done
finish
