"""The documentation in docs/: self-contained, its links resolve, its examples run.

(a) No source or documentation file of the repository points outside it to background
    material (the forbidden strings are assembled at run time, so this file does not match
    itself).
(b) Every relative link of every ``docs/*.md`` names an existing file and, when it has a
    ``#fragment``, a heading of that file (GitHub's anchor rule).
(c) The examples of ``docs/mathematics.md`` pass under :func:`doctest.testfile`.
(d) ``CITATION.cff`` states the version of ``pyproject.toml``.
"""
import doctest
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOC_PAGES = sorted(DOCS.glob("*.md"))

SKIP_DIRS = {".git", ".venv", "venv", "build", "dist", "__pycache__", ".pytest_cache", "report",
             "node_modules", ".mypy_cache", ".ruff_cache"}
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".cff", ".ini", ".json", ".yml", ".yaml",
                 ".rst", ".sh", ".in"}
TEXT_NAMES = {"Makefile", "LICENSE", "run"}
FORBIDDEN = ("../" + "shared", "DESIGN" + ".md")


def _repository_text_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in files:
            path = Path(folder) / name
            if path.suffix in TEXT_SUFFIXES or name in TEXT_NAMES:
                yield path


def test_no_file_points_outside_the_repository():
    offenders = []
    for path in _repository_text_files():
        data = path.read_bytes()
        if b"\0" in data:
            continue
        text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for needle in FORBIDDEN:
                if needle in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {needle}")
    assert not offenders, "files that point outside the repository:\n" + "\n".join(offenders)


# --------------------------------------------------------------------------- links
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)


def _prose(text):
    """The text without fenced blocks and inline code (where brackets are not links)."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def _anchor(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path):
    return {_anchor(h) for h in HEADING.findall(_prose(path.read_text()))}


def _relative_links(path):
    for target in LINK.findall(_prose(path.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        yield target


def test_docs_exist():
    names = {p.name for p in DOC_PAGES}
    assert {"index.md", "mathematics.md", "continuation.md", "refinement.md", "catalogue.md",
            "glossary.md", "references.md"} <= names


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    broken = []
    links = list(_relative_links(page))
    for target in links:
        file_part, _, fragment = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest}")
        elif fragment and dest.suffix == ".md" and fragment not in _anchors(dest):
            broken.append(f"{target}: no heading with anchor #{fragment} in {dest.name}")
    assert not broken, f"{page.name}: broken links:\n" + "\n".join(broken)


def test_link_checker_sees_links():
    """Guard against a link pattern that silently matches nothing."""
    assert len(list(_relative_links(DOCS / "index.md"))) >= 10
    assert _anchor("7.2 Why the fixed space of S_{p-2} carries every irreducible") == \
        "72-why-the-fixed-space-of-s_p-2-carries-every-irreducible"


# ------------------------------------------------------------------------ doctests
def test_mathematics_examples_pass():
    result = doctest.testfile(str(DOCS / "mathematics.md"), module_relative=False, verbose=False,
                              report=True, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 40
    assert result.failed == 0


# ------------------------------------------------------------------------ citation
def test_citation_file_states_the_package_version():
    from importlib.metadata import version as installed_version

    import spurious

    version = spurious.__version__
    assert installed_version("spurious") == version  # pyproject reads it from the package
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(rf"^version:\s*{re.escape(version)}\s*$", cff, re.MULTILINE)
    assert re.search(r"^cff-version:\s*1\.2\.0\s*$", cff, re.MULTILINE)
    assert re.search(r"^license:\s*MIT\s*$", cff, re.MULTILINE)
    assert "The spurious developers" in cff
