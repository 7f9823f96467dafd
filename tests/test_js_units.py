"""The page scripts' pure helpers (tests/js/*.test.mjs), run by node's built-in test runner.

Without node the tests fail under CI (CI=true) and are skipped, loudly, elsewhere; .ci/run
installs Debian's nodejs.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = sorted((ROOT / "tests" / "js").glob("*.test.mjs"))


def test_js_units():
    node = shutil.which("node")
    if node is None:
        reason = "node not found: install Debian's nodejs package to run tests/js"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(f"JS UNIT TESTS SKIPPED: {reason}")
    assert TESTS, "no tests/js/*.test.mjs found"
    result = subprocess.run(
        [node, "--test", *map(str, TESTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"node --test failed:\n{result.stdout}\n{result.stderr}"
