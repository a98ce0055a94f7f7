"""The import rules of pyproject.toml's [tool.importlinter], checked by import-linter.

Real tool, real graph: grimp parses every module of petition, signatures and
verification, imports inside functions included. The failure message is
lint-imports' report, which lists each circle and the import lines that close it.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(contract_id: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo", "--contract", contract_id],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "COLUMNS": "250", "NO_COLOR": "1"},
    )


def test_no_module_imports_itself_back_through_others():
    result = lint("no-circles")
    assert result.returncode == 0, result.stdout + result.stderr


def test_signatures_never_imports_verification():
    result = lint("verification-above-signatures")
    assert result.returncode == 0, result.stdout + result.stderr
