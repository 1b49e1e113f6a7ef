"""results.json shape, junit.xml, the latest link and the summary."""
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from results import store
from results.summary import run_failed, summarise
from results.verdict import Result

CELL = {"kernel": "host", "kernel_version": "6.12.0", "platform": "host",
        "cpu_model": "Some CPU", "cpu_flags": ["fpu", "xsave"], "facts": {}}
STARTED = datetime(2026, 11, 23, 13, 5, 1, tzinfo=timezone.utc)


def sample_results():
    results = [Result("xsave/cap_size/global.a", "cap_size", "xsave", "PASS", "", 0.5),
               Result("xsave/cap_size/global.b", "cap_size", "xsave", "FAIL", "Expected 1", 0.1),
               Result("xsave/cap_size/global.c", "cap_size", "xsave", "SKIP", "no AMX", 0.0),
               Result("xsave/cap_size/global.d", "cap_size", "xsave", "ERROR", "timeout", 2.0),
               Result("xsave/cap_size/global.e", "cap_size", "xsave", "MISS", "stopped"),
               Result("basic/api/global.f", "api", "basic", "XFAIL", "fixed by abc", 0.2)]
    store.stamp(results, CELL, {"xsave/cap_size": "xsave.cap_size"})
    return results


def saved_run(tmp_path):
    run_dir = store.create_run_dir(tmp_path, "host", STARTED)
    run = {"id": run_dir.name, "started": store.iso(STARTED),
           "finished": store.iso(STARTED), "tool_version": "unknown", "mode": "host"}
    return run_dir, store.save_run(run_dir, run, [CELL], sample_results())


def test_results_json_shape(tmp_path):
    run_dir, _ = saved_run(tmp_path)
    doc = json.loads((run_dir / "results.json").read_text())
    assert doc["schema"] == "kvmabi-results/1"
    assert set(doc) == {"schema", "run", "cells", "results"}
    assert set(doc["run"]) == {"id", "started", "finished", "tool_version", "mode"}
    assert doc["run"]["id"] == "20261123T130501Z-host"
    assert doc["run"]["started"] == "2026-11-23T13:05:01Z"
    (cell,) = doc["cells"]
    assert set(cell) == {"kernel", "kernel_version", "platform", "cpu_model",
                         "cpu_flags", "facts", "counts"}
    assert isinstance(cell["cpu_flags"], list) and isinstance(cell["facts"], dict)
    assert cell["counts"] == {"PASS": 1, "FAIL": 1, "SKIP": 1, "XFAIL": 1,
                              "XPASS": 0, "ERROR": 1, "MISS": 1}
    types = {"test": str, "binary": str, "area": str, "kernel": str,
             "kernel_version": str, "platform": str, "status": str, "reason": str}
    for record in doc["results"]:
        assert list(record) == list(store.RECORD_KEYS)
        assert all(isinstance(record[key], kind) for key, kind in types.items())
        assert record["behaviour"] is None or isinstance(record["behaviour"], str)
        assert record["duration_s"] is None or isinstance(record["duration_s"], float)
    assert doc["results"][0]["behaviour"] == "xsave.cap_size"
    assert doc["results"][-1]["behaviour"] is None


def test_junit_counts(tmp_path):
    run_dir, _ = saved_run(tmp_path)
    root = ET.parse(run_dir / "junit.xml").getroot()
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "host/host"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"),
            suite.get("skipped")) == ("6", "1", "2", "1")
    cases = suite.findall("testcase")
    assert len(cases) == 6
    assert cases[2].find("skipped").get("message") == "no AMX"


def test_run_ids_are_unique_and_latest_follows(tmp_path):
    first, _ = saved_run(tmp_path)
    second, _ = saved_run(tmp_path)
    assert second.name == "20261123T130501Z-host-2"
    latest = tmp_path / "latest"
    assert latest.is_symlink() and latest.resolve() == second.resolve()
    assert first.is_dir()


def test_runs_dir_override(tmp_path, monkeypatch):
    monkeypatch.setenv("KVMABI_RUNS_DIR", str(tmp_path))
    assert store.runs_dir() == tmp_path


def test_summary_lists_every_non_pass(tmp_path):
    run_dir, doc = saved_run(tmp_path)
    text = summarise(doc, run_dir)
    assert "PASS 1  FAIL 1  SKIP 1  XFAIL 1  XPASS 0  ERROR 1  MISS 1" in text
    assert "global.a" not in text
    for needle in ("FAIL   xsave/cap_size/global.b", "Expected 1", "no AMX",
                   "fixed by abc", str(run_dir)):
        assert needle in text
    assert run_failed(doc)
