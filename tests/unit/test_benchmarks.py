"""Every script in benchmarks/ imports, and importing it does nothing else.

`make bench` is not run by the suite, so an import that the project no longer installs
would otherwise go unnoticed until someone runs it. Each file found is a case of its own.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
BENCHMARKS = sorted(path for path in BENCHMARKS_DIR.glob("*.py") if not path.name.startswith("_"))


def test_there_are_benchmarks_to_import() -> None:
    assert BENCHMARKS, f"no benchmarks found in {BENCHMARKS_DIR}"


@pytest.mark.parametrize("path", BENCHMARKS, ids=[path.name for path in BENCHMARKS])
def test_benchmark_imports_without_side_effects(path: Path) -> None:
    name = f"_benchmark_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    path_before = list(sys.path)
    # Registered while it runs, as an import would (dataclasses look their module up there).
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    assert sys.path == path_before, "importing a benchmark must not change sys.path"
    # Everything happens in main(), called only under `if __name__ == "__main__"`.
    assert callable(getattr(module, "main", None)), f"{path.name} has no main()"
    assert 'if __name__ == "__main__":' in path.read_text(), f"{path.name} must run only as a script"
