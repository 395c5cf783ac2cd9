"""Comments that point into docs/openorchestrator.md point at a section it has."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "openorchestrator.md"
REFERENCE = re.compile(r"docs/openorchestrator\.md#([a-z0-9-]+)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")


def _anchors() -> set[str]:
    headings = re.findall(r"^#{2,4} (.+)$", DOC.read_text(encoding="utf-8"), flags=re.M)
    return {_slug(h) for h in headings}


def _tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py", "*.html", "*.md", "*.js", "*.css"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in listed]


def test_every_pointer_into_the_semantics_document_names_one_of_its_sections():
    anchors = _anchors()
    pointers = {}
    for path in _tracked_files():
        if path.exists():
            for anchor in REFERENCE.findall(path.read_text(encoding="utf-8")):
                pointers.setdefault(anchor, []).append(path.relative_to(ROOT).as_posix())
    assert pointers, "no code points into docs/openorchestrator.md"
    broken = {anchor: files for anchor, files in pointers.items() if anchor not in anchors}
    assert not broken, f"sections docs/openorchestrator.md does not have: {broken}"


def test_no_comment_cites_a_section_of_a_document_the_repository_does_not_have():
    cited = [
        path.relative_to(ROOT).as_posix()
        for path in _tracked_files()
        if path.exists() and "\u00a7" in path.read_text(encoding="utf-8")
    ]
    assert not cited
