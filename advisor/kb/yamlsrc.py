"""YAML reading that remembers where every value came from.

Knowledge authors need `file:line: reason` for every problem, so we compose
the node tree ourselves instead of calling yaml.safe_load, recording the line
of each path and catching duplicate keys (which PyYAML silently overwrites).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[str | int, ...]

# libyaml's parser when PyYAML was built with it (about 5x faster); same nodes and marks.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a knowledge file, printed as `file:line: message`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(slots=True)
class SourceDoc:
    """A parsed YAML document plus the line of every path in it."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int:
        """Line of the deepest known prefix of `path` (1 if nothing matches).

        A model may wrap a single mapping into a one-item list (e.g. `requires`);
        such paths carry an index 0 the YAML does not have, so try without it.
        """
        if tuple(path) not in self.lines:
            squeezed = tuple(p for i, p in enumerate(path) if not (p == 0 and i > 0 and isinstance(path[i - 1], str)))
            if squeezed in self.lines:
                return self.lines[squeezed]
        for cut in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                return line
        return 1


def read_yaml(path: Path, display: str | None = None) -> tuple[SourceDoc | None, list[Problem]]:
    """Parse one file; returns the document (None if unreadable) and problems."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, 1, f"cannot read file: {exc.__class__.__name__}: {exc}")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(name, line, f"invalid YAML: {reason}")]
    except yaml.YAMLError as exc:
        return None, [Problem(name, 1, f"invalid YAML: {exc}")]
    problems: list[Problem] = []
    doc = SourceDoc(name, None)
    try:
        doc.data = _build(loader, node, (), doc, problems) if node is not None else None
    except yaml.YAMLError as exc:
        return None, [Problem(name, 1, f"invalid YAML value: {exc}")]
    finally:
        loader.dispose()
    return doc, problems


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: PathKey, doc: SourceDoc, problems: list[Problem]) -> Any:
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, bool):  # YAML 1.1 turns bare yes/no keys into booleans
                key = "yes" if key else "no"
            if not isinstance(key, str | int | float):
                problems.append(Problem(doc.file, key_node.start_mark.line + 1, "mapping keys must be plain scalars"))
                continue
            key = str(key)
            if key in out:
                problems.append(Problem(doc.file, key_node.start_mark.line + 1, f"duplicate key {key!r}"))
                continue
            out[key] = _build(loader, value_node, (*path, key), doc, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), doc, problems) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
