"""The kernel-by-platform summary table printed at the end of a run."""
from results.verdict import BAD_STATUSES, STATUSES

SHOWN = ("PASS", "FAIL", "SKIP", "ERROR", "MISS")


def cell_text(counts: dict) -> str:
    text = "/".join(str(counts.get(status, 0)) for status in SHOWN)
    extra = [f"{status} {counts[status]}" for status in STATUSES
             if status not in SHOWN and counts.get(status)]
    return text + (f" ({', '.join(extra)})" if extra else "")


def summary_table(doc: dict, run_dir) -> str:
    """Rows: kernels (with exact version); columns: platforms."""
    cells = doc["cells"]
    kernels = list(dict.fromkeys(c["kernel"] for c in cells))
    platforms = list(dict.fromkeys(c["platform"] for c in cells))
    by_pair = {(c["kernel"], c["platform"]): c for c in cells}
    version = {}
    for c in cells:
        version[c["kernel"]] = version.get(c["kernel"]) or c.get("kernel_version") or ""
    header = ["kernel", "version"] + platforms
    rows = [[k, version[k] or "?"] + [cell_text(by_pair[(k, p)]["counts"])
                               if (k, p) in by_pair else "-" for p in platforms]
            for k in kernels]
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    line = lambda row: "  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip()
    total = dict.fromkeys(STATUSES, 0)
    for result in doc["results"]:
        total[result["status"]] += 1
    out = [f"kvmabi matrix {doc['run']['id']}: counts are "
           + "/".join(s.lower() for s in SHOWN), "", line(header)]
    out += [line(row) for row in rows]
    out += ["", "total: " + "  ".join(f"{s} {n}" for s, n in total.items()),
            f"results: {run_dir}/results.json  junit: {run_dir}/junit.xml"]
    return "\n".join(out)


def problems(doc: dict, limit: int = 40) -> str:
    """The results that make the run fail, one line each (at most `limit`)."""
    bad = [r for r in doc["results"] if r["status"] in BAD_STATUSES]
    lines = [f"{r['status']:<5} {r['kernel']}/{r['platform']}  {r['test']}  {r['reason']}"[:300]
             for r in bad[:limit]]
    if len(bad) > limit:
        lines.append(f"... and {len(bad) - limit} more: see results.json")
    return "\n".join(lines) + ("\n" if lines else "")
