"""Every section of docs/clinical-sources.md the code cites exists, and the file gives full references."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "clinical-sources.md").read_text()
HEADINGS = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", DOC, re.M))


def _cited() -> set[tuple[str, str]]:
    out = set()
    for path in (ROOT / "dryneedle").rglob("*"):
        if path.suffix not in (".py", ".html") or "migrations" in path.parts:
            continue
        for m in re.finditer(r"clinical-sources\.md((?:[ ,;]*§\d+(?:\.\d+)?(?: S\d+)?)+)", path.read_text()):
            for sec in re.findall(r"§(\d+(?:\.\d+)?)", m.group(1)):
                out.add((str(path.relative_to(ROOT)), sec))
    return out


def test_every_cited_section_exists():
    cited = _cited()
    assert len(cited) > 50  # the code cites it everywhere
    missing = sorted((where, sec) for where, sec in cited if sec not in HEADINGS)
    assert not missing, missing


def test_no_code_cites_the_reference_outside_the_repository():
    for path in (ROOT / "dryneedle").rglob("*"):
        if path.suffix in (".py", ".html") and "migrations" not in path.parts:
            assert "clinical-reference.md" not in path.read_text(), path


def test_the_sources_of_the_safety_review_are_given_in_full():
    for ref in (
        "CD008686",  # Henschke 2013
        "CD008643",  # Williams 2013
        "NG234",
        "1363477",  # antithrombotics
        "2016;29(2):301-308",  # Martín-Pintado-Zugasti 2016
        "10.1016/j.jbmt.2018.01.003",
        "Physiother Can* 1995;47:258-263",  # Stratford
        "10.1016/j.jpain.2007.09.005",  # Dworkin
        "10.1016/S0140-6736(11)60937-9",  # Hill 2011
    ):
        assert ref in DOC, ref


def test_every_test_the_hazard_log_names_exists():
    """The hazard log names the test proving each control; a renamed or removed test breaks the log."""
    log = (ROOT / "docs" / "clinical-safety" / "hazard-log.md").read_text()
    log += (ROOT / "docs" / "clinical-safety" / "safety-case.md").read_text()
    sources = "\n".join(p.read_text() for p in ROOT.rglob("test_*.py") if ".venv" not in p.parts)
    names = set(re.findall(r"\b(test_\w+)(?!\.py)\b", log)) - set(re.findall(r"\b(test_\w+)\.py", log))
    ids = set(re.findall(r"\[(S[\w.-]+)\]", log))
    assert len(names) > 25 and len(ids) > 25
    assert not [n for n in names if f"def {n}(" not in sources and not n.startswith("test_browser")]
    assert not [i for i in ids if f'"{i}"' not in sources]
