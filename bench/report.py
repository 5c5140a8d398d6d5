"""Benchmark results as a Markdown table, printed and (with ``--record``) added to bench/README.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Row:
    figure: str
    value: str


class Measured(Protocol):
    backend: str
    rows: list[Row]
    findings: list[str]


def render(results: Sequence[Measured]) -> str:
    """One row per figure, one column per backend; then what EXPLAIN found, if anything was slow."""
    figures = list(dict.fromkeys(row.figure for result in results for row in result.rows))
    cells = [{row.figure: row.value for row in result.rows} for result in results]
    table = [["figure", *(result.backend for result in results)]]
    table += [[figure, *(column.get(figure, "") for column in cells)] for figure in figures]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = [_markdown_row(table[0], widths), _markdown_rule(widths)]
    lines += [_markdown_row(line, widths) for line in table[1:]]
    for result in results:
        if result.findings:
            lines += ["", f"Queries behind the slow reads on {result.backend}:", "", "```"]
            lines += [*result.findings, "```"]
    return "\n".join(lines)


def _markdown_row(cells: list[str], widths: list[int]) -> str:
    first, *rest = cells
    return (
        "| "
        + " | ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))])
        + " |"
    )


def _markdown_rule(widths: list[int]) -> str:
    return "|" + "|".join(["-" * (widths[0] + 2), *("-" * (w + 1) + ":" for w in widths[1:])]) + "|"


def record(path: Path, section: str, title: str, body: str) -> None:
    """Add a dated ``### title`` at the end of ``## section``, leaving every other section as it was."""
    lines = path.read_text().splitlines() if path.exists() else ["# Benchmarks"]
    heading = f"## {section}"
    if heading not in lines:
        lines += ["", heading]
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    added = ["", f"### {title}", "", *body.splitlines()]
    after = ["", *lines[end:]] if end < len(lines) else []
    path.write_text("\n".join([*lines[:end], *added, *after]).rstrip("\n") + "\n")
