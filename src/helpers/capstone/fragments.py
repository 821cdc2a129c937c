"""A whole module file cut into workspace fragments, one per top-level definition.

The capstone writes a reference layer into the learner's workspace as fragments
(:class:`helpers.workspace.Fragment`), exactly as if each definition had been a workspace
cell: a later cell that defines one of the names then replaces that one definition and
keeps the rest. The same cut rebuilds the fragments of a module whose manifest entry was
lost (a damaged manifest), so that saving a cell never drops the rest of the file.

Each fragment carries the imports its own code uses, so that replacing it leaves no
import unused; relative imports (``from .models import Book``, the reference's style)
become absolute (``from lending.models import Book``, the learner's).
"""

from __future__ import annotations

import ast
import re

from helpers.workspace import PACKAGE, Fragment, WorkspaceError


def fragments_of(source: str) -> list[Fragment]:
    """``source`` (a module's text) as fragments, in its own order; the module docstring
    is dropped (the workspace writes its own header)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise WorkspaceError(f"line {exc.lineno}: {exc.msg}") from exc
    lines = source.splitlines()
    body = list(tree.body)
    if body and _is_docstring(body[0]):
        _blank_lines(lines, body.pop(0))
    imports = [node for node in body if isinstance(node, ast.Import | ast.ImportFrom)]
    for node in imports:
        _blank_lines(lines, node)
    statements = [node for node in body if node not in imports]
    chunks = _chunks(lines, statements)
    if not chunks:
        raise WorkspaceError("the module defines nothing at top level")
    rendered = [
        (_bound_names(node), _absolute(ast.get_source_segment(source, node) or ""))
        for node in imports
    ]
    everywhere = {name for _, nodes, _ in chunks for name in _used_names(nodes)}
    fragments: list[Fragment] = []
    for position, (names, nodes, text) in enumerate(chunks):
        used = _used_names(nodes)
        own = [
            statement
            for bound, statement in rendered
            if statement.startswith("from __future__")
            or bound & used
            or (position == 0 and not bound & everywhere)  # used by no definition: kept once
        ]
        fragments.append(Fragment(names=tuple(names), imports=tuple(own), body=text))
    return fragments


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _blank_lines(lines: list[str], node: ast.stmt) -> None:
    for number in range(node.lineno - 1, node.end_lineno or node.lineno):
        lines[number] = ""


def _chunks(
    lines: list[str], statements: list[ast.stmt]
) -> list[tuple[list[str], list[ast.stmt], str]]:
    """Consecutive statements grouped so that each group defines at least one name and no
    two groups define the same one; each group's text starts after the previous one ends
    (comments above a definition belong to it)."""
    groups: list[tuple[list[str], list[ast.stmt], int, int]] = []
    for index, node in enumerate(statements):
        names = _defined(node)
        begin = (statements[index - 1].end_lineno or 0) if index else 0
        end = node.end_lineno or node.lineno
        if index == len(statements) - 1:
            end = len(lines)  # trailing comments belong to the last definition
        clash = next((i for i, group in enumerate(groups) if set(group[0]) & set(names)), None)
        if groups and (not names or clash is not None):
            keep = clash if clash is not None else len(groups) - 1
            merged = groups[keep:]
            del groups[keep:]
            all_names = [n for group in merged for n in group[0]]
            all_names += [n for n in names if n not in all_names]
            nodes = [n for group in merged for n in group[1]] + [node]
            groups.append((all_names, nodes, merged[0][2], end))
        else:
            groups.append((names, [node], begin, end))
    if groups and not groups[0][0]:  # statements before any definition: join the next group
        if len(groups) == 1:
            return []
        names, nodes, _, end = groups[1]
        groups[:2] = [(names, groups[0][1] + nodes, groups[0][2], end)]
    chunks = []
    for names, nodes, begin, end in groups:
        text = "\n".join(line.rstrip() for line in lines[begin:end])
        text = re.sub(r"\n{3,}", "\n\n\n", text).strip("\n")
        chunks.append((names, nodes, text))
    return chunks


def _defined(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    names: list[str] = []
    while targets:
        target = targets.pop(0)
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            targets.extend(target.elts)
    return names


def _bound_names(node: ast.Import | ast.ImportFrom) -> set[str]:
    return {(alias.asname or alias.name).split(".")[0] for alias in node.names}


def _used_names(nodes: list[ast.stmt]) -> set[str]:
    """Every name the statements read, including those inside string annotations."""
    used: set[str] = set()
    for statement in nodes:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    quoted = ast.parse(node.value, mode="eval")
                except SyntaxError:
                    continue
                used.update(n.id for n in ast.walk(quoted) if isinstance(n, ast.Name))
    return used


def _absolute(statement: str) -> str:
    """``from .models import Book`` as ``from lending.models import Book``."""
    node = ast.parse(statement).body[0]
    if not isinstance(node, ast.ImportFrom) or node.level == 0:
        return statement
    if node.level > 1:
        raise WorkspaceError(f"only imports from the package itself are supported: {statement}")
    module = f"{PACKAGE}.{node.module}" if node.module else PACKAGE
    return ast.unparse(ast.ImportFrom(module=module, names=node.names, level=0))
