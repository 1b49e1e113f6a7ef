"""kvmabi results side: run kselftest binaries, judge verdicts, store runs."""
