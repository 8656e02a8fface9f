"""The command line for the catalogue and points: output, JSON keys, one-line errors."""
import json
import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "spurious", *args], capture_output=True, text=True)


def test_version_and_help():
    assert run("--version").stdout.startswith("spurious ")
    assert "point" in run("--help").stdout


def test_cases_json_lists_the_catalogue():
    rows = json.loads(run("cases", "--json").stdout)
    assert {r["name"] for r in rows} >= {"sd-i", "sd1-i", "sd3-i"}
    assert all(r["provenance"] for r in rows)


def test_point_json_has_the_promised_keys_at_fractional_d():
    res = run("point", "sd1-i", "--d", "5.5", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    for key in ("case", "setting", "d", "params", "loss", "grad_norm", "spectrum", "lambda_min",
                "morse_index", "kind"):
        assert key in out
    assert out["grad_norm"] < 1e-12
    assert out["kind"] == ("saddle" if out["lambda_min"] < 0 else "minimum")
    assert {"eigenvalue", "representation", "multiplicity"} <= set(out["spectrum"][0])


def test_errors_are_one_line_with_nonzero_exit():
    for args in (("point", "nope", "--d", "6"), ("point", "sd1-i", "--d", "2"),
                 ("point", "sd1-i", "--d", "1e9")):
        res = run(*args)
        assert res.returncode == 2
        assert res.stderr.startswith("spurious: error:")
        assert "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1


def test_discover_command_json():
    res = run("discover", "--d", "6", "--runs", "4", "--json", "--quiet")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["d"] == 6 and out["runs"] == 4
    assert {"isotropy", "loss", "lambda_min", "morse_index", "runs", "family"} <= set(out["points"][0])
    bad = run("discover", "--d", "6", "--runs", "0")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
