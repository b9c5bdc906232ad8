"""The README is the front door: every page and picture it or a docs/ page links to is there, and
every docs/ page can be reached from it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def local_links(page: Path) -> list[Path]:
    targets = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address, or a heading of the same page
        targets.append((page.parent / target.split("#", 1)[0]).resolve())
    return targets


def test_every_local_link_points_at_a_file_that_is_there():
    missing = [f"{page.relative_to(ROOT)} -> {target.relative_to(ROOT)}"
               for page in pages() for target in local_links(page) if not target.exists()]  # fmt: skip
    assert not missing, missing


def test_every_docs_page_can_be_reached_from_the_readme():
    reached, todo = set(), [(ROOT / "README.md").resolve()]
    while todo:
        page = todo.pop()
        if page in reached:
            continue
        reached.add(page)
        todo += [t for t in local_links(page) if t.suffix == ".md" and t.exists()]
    unreached = [p.name for p in pages() if p.resolve() not in reached]
    assert not unreached, unreached


def test_the_readme_gives_the_two_commands_of_a_fresh_machine():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"(?m)^run:", makefile) and re.search(r"(?m)^test:", makefile)
