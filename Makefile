# Two entry points on a fresh machine with Python 3.11 and make:
#   make report   -- create .venv, install, run the main job (the bifurcation-point report)
#   make test     -- create .venv, install with the test extra, run pytest
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: report test bench install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,plot]'
	touch $@

install: $(VENV)/.installed

report: install
	$(PY) -m spurious report --force

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) report build *.egg-info
