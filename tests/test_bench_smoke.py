"""Every benchmark runs once at its smallest size, so that none can rot (no timing asserted)."""
import pytest

bench = pytest.importorskip("bench.__main__")


@pytest.mark.parametrize("name", sorted(bench.BENCHMARKS))
def test_benchmark_runs_quick(name):
    title, fn = bench.BENCHMARKS[name]
    table = fn(quick=True)
    assert title and table.count("|") > 6
