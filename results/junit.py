"""junit.xml for CI viewers: one testsuite per cell, one testcase per result.

FAIL -> <failure>, ERROR and MISS -> <error>, SKIP -> <skipped>. XFAIL counts
as a pass (a known old behaviour); XPASS is a <failure> because the
expectation is stale and the run exits 1 for it.
"""
import xml.etree.ElementTree as ET
from pathlib import Path

FAILURE, ERRORS, SKIPPED = ("FAIL", "XPASS"), ("ERROR", "MISS"), ("SKIP",)


def testcase(suite: ET.Element, result: dict) -> str:
    """Add one <testcase>; return which junit counter it bumps, if any."""
    case = ET.SubElement(suite, "testcase", {
        "classname": f"{result['area']}.{result['binary']}",
        "name": result["test"],
        "time": f"{result['duration_s'] or 0:.3f}"})
    status, reason = result["status"], result["reason"]
    if status in FAILURE:
        ET.SubElement(case, "failure", message=reason, type=status)
        return "failures"
    if status in ERRORS:
        ET.SubElement(case, "error", message=reason, type=status)
        return "errors"
    if status in SKIPPED:
        ET.SubElement(case, "skipped", message=reason)
        return "skipped"
    if reason:
        ET.SubElement(case, "system-out").text = f"{status}: {reason}"
    return ""


def suite_for(root: ET.Element, cell: dict, results: list[dict]) -> None:
    name = f"{cell['kernel']}/{cell['platform']}"
    suite = ET.SubElement(root, "testsuite", name=name)
    tally = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    for result in results:
        if (result["kernel"], result["platform"]) != (cell["kernel"], cell["platform"]):
            continue
        tally["tests"] += 1
        seconds += result["duration_s"] or 0.0
        if counter := testcase(suite, result):
            tally[counter] += 1
    for key, value in tally.items():
        suite.set(key, str(value))
    suite.set("time", f"{seconds:.3f}")


def write_junit(path: Path, doc: dict) -> None:
    root = ET.Element("testsuites", name=f"kvmabi {doc['run']['id']}")
    for cell in doc["cells"]:
        suite_for(root, cell, doc["results"])
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
