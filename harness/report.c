// SPDX-License-Identifier: GPL-2.0
/*
 * How library code ends a test. Each kselftest test runs in its own child
 * process, so exiting with status 1 makes the harness report "not ok"; the
 * marker line before it tells the results tools FAIL (the kernel broke a
 * rule) from ERROR (the environment broke).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kvm.h"

static void report(const char *marker, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "# %s: ", marker);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void kvmabi_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("KVMABI_FAIL", fmt, ap);
	va_end(ap);
	_exit(1);
}

void kvmabi_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("KVMABI_ERROR", fmt, ap);
	va_end(ap);
	_exit(1);
}

void kvmabi_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("note", fmt, ap);
	va_end(ap);
}

/* Line-buffered stdout keeps TAP and diagnostics in order in a pipe and
 * leaves every finished line on disk if the binary dies. */
static void __attribute__((constructor)) line_buffered_stdout(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}
