"""What the start screen offers, readable before the engine is loaded (no textual, no pydantic).

The families and symptoms come straight from `symptoms.yaml` (tens of ms with the C
YAML loader) so the start screen paints while the knowledge base loads in a worker;
once it is loaded, `choices_of(kb)` gives the same lists from the validated models.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.kb.loader import KnowledgeBase


@dataclass(frozen=True)
class StartChoices:
    """The problem families, in order, and each family's symptoms: (id, title) pairs."""

    families: tuple[tuple[str, str], ...]
    symptoms: dict[str, list[tuple[str, str]]]


@dataclass(frozen=True)
class LatestSession:
    """The stored session the start screen offers to resume."""

    id: str
    title: str = ""


def choices_of(kb: KnowledgeBase) -> StartChoices:
    symptoms: dict[str, list[tuple[str, str]]] = {}
    for sym in kb.symptoms.values():
        symptoms.setdefault(sym.family, []).append((sym.id, sym.title))
    return StartChoices(tuple((f.id, f.title) for f in kb.families.values()),
                        {f: symptoms.get(f, []) for f in kb.families})


def start_choices(kb_dir: str | None = None) -> StartChoices | None:
    """The families and symptoms straight from symptoms.yaml, without the engine.

    None when the file cannot be read as expected: the knowledge load then fills the
    screen (and reports the problem with its file and line).
    """
    try:
        import yaml

        from advisor.kb.paths import default_knowledge_dir

        root = Path(kb_dir) if kb_dir else default_knowledge_dir()
        loader = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader
        doc = yaml.load((root / "symptoms.yaml").read_text(encoding="utf-8"), Loader=loader)
        families = tuple((str(f["id"]), str(f["title"])) for f in doc["families"])
        symptoms: dict[str, list[tuple[str, str]]] = {fid: [] for fid, _ in families}
        for sym in doc["symptoms"]:
            symptoms.setdefault(str(sym["family"]), []).append((str(sym["id"]), str(sym["title"])))
    except Exception:
        return None
    return StartChoices(families, {fid: symptoms[fid] for fid, _ in families})
