"""The human-readable account of a run."""
from .verdict import BAD_STATUSES, PASS, STATUSES


def summarise(doc: dict, run_dir) -> str:
    """Counts per verdict, every non-PASS result with its reason, the run dir."""
    results = doc["results"]
    counts = {status: 0 for status in STATUSES}
    for result in results:
        counts[result["status"]] += 1
    lines = [f"kvmabi run {doc['run']['id']}: {len(results)} results",
             "  " + "  ".join(f"{status} {n}" for status, n in counts.items())]
    others = [r for r in results if r["status"] != PASS]
    if others:
        lines.append("")
        width = max(len(r["test"]) for r in others)
        for result in others:
            lines.append(f"{result['status']:<5}  {result['test']:<{width}}  "
                         f"{result['reason']}".rstrip())
    lines += ["", f"run directory: {run_dir}"]
    return "\n".join(lines)


TOOL_STATUSES = ("ERROR", "MISS")


def run_failed(doc: dict, tool_only: bool = False) -> bool:
    """True when the run should exit 1. tool_only: only when the tool or the
    environment broke (ERROR, MISS); a FAIL is then a finding about the
    kernel, printed in the summary, not a failure of the suite itself."""
    bad = TOOL_STATUSES if tool_only else BAD_STATUSES
    return any(r["status"] in bad for r in doc["results"])
