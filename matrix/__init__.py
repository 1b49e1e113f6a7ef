"""kvmabi's kernel matrix: kernels x platforms, each cell a boot that runs every test.

Modules, one concern each: config (the TOML files), apt + fetch + modules
(kernels from Debian's archive), initramfs (+ harness/init.sh inside it),
boot (the launcher interface) with qemu and bochs, channel + verdicts
(reading a cell's serial files), cell (one cell), plan + driver + cli (a
run, its pytest driver, its command line), table, bench.
"""
