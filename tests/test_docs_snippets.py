"""Every ```python block of README.md and docs/*.md runs as written.

The blocks of one file run in order in one namespace (a later block may use an earlier one's
names), in a temporary directory, with matplotlib's Agg backend. A block that cannot run in
a test says so in the Markdown: the line before its fence is ``<!-- no-run: REASON -->``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from regionkit.errors import MissingExtraError

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Optional extras a snippet may need (pyproject.toml); where one is not installed (imported
# by the snippet, or asked for by regionkit as a MissingExtraError), the file's remaining
# blocks are skipped with that reason (CI installs them).
OPTIONAL_EXTRAS = {"torch", "flint"}
NO_RUN = re.compile(r"<!--\s*no-run:\s*(.+?)\s*-->")
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def blocks(text: str) -> list[tuple[int, str, str | None]]:
    """(line, code, no-run reason or None) of every ```python block."""
    out = []
    for m in FENCE.finditer(text):
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = NO_RUN.fullmatch(before.strip())
        out.append((text.count("\n", 0, m.start()) + 1, m.group(1),
                    skip.group(1) if skip else None))
    return out


def test_marker_parsing():
    text = ("a\n```python\nx = 1\n```\n<!-- no-run: needs a cluster -->\n```python\n"
            "boom\n```\n")
    assert [(line, skip) for line, _, skip in blocks(text)] == [(2, None),
                                                                (6, "needs a cluster")]


@pytest.mark.parametrize("path", [p for p in FILES if "```python" in p.read_text()],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_snippets_run(path: Path, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__snippet__"}
    ran = 0
    for line, code, skip in blocks(path.read_text()):
        if skip is not None:
            continue
        try:
            exec(compile(code, f"{path.name}:{line}", "exec"), namespace)
        except ModuleNotFoundError as exc:
            if exc.name not in OPTIONAL_EXTRAS:
                raise AssertionError(f"{path.name}, the block at line {line} fails: {exc}") \
                    from exc
            pytest.skip(f"{path.name}, the block at line {line} needs {exc.name}, an optional "
                        "extra that is not installed")
        except MissingExtraError as exc:   # regionkit asked for an extra (optional.require)
            pytest.skip(f"{path.name}, the block at line {line}: {exc}")
        except Exception as exc:
            raise AssertionError(f"{path.name}, the block at line {line} fails: "
                                 f"{type(exc).__name__}: {exc}") from exc
        ran += 1
    import matplotlib.pyplot as plt

    plt.close("all")
    assert ran > 0
