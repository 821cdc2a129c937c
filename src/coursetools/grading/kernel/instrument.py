"""Rewrite a graded test cell's syntax tree before it runs.

- Every ``==``, ``!=``, ``in`` and ``not in`` with two operands, and every call
  of the name ``isinstance``, goes through the rig-proof versions of
  :mod:`.runtime`.
- Every read of a built-in name that an answer rebound (``shadowed``) reads
  the built-in itself.
- The cell's last statement is followed by (or, if it is an expression, wrapped
  in) a call of the completion marker with a secret token: the marker records
  the token only if every statement before it ran without raising.

The tree is parsed by the grader from the trusted source, so input or AST
transformers installed by student code never shape what a test cell runs.
"""

from __future__ import annotations

import ast
import sys

from coursetools.grading.kernel.runtime import BUILTIN, COMPARE, DONE, ISINSTANCE

_OPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
}


class _Comparisons(ast.NodeTransformer):
    def __init__(self, shadowed: frozenset[str]) -> None:
        self.shadowed = shadowed - {"isinstance"}  # calls of isinstance are replaced below

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id not in self.shadowed or not isinstance(node.ctx, ast.Load):
            return node
        call = ast.Call(
            func=ast.Name(id=BUILTIN, ctx=ast.Load()), args=[ast.Constant(node.id)], keywords=[]
        )
        return ast.copy_location(call, node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) != 1 or type(node.ops[0]) not in _OPS:
            return node
        call = ast.Call(
            func=ast.Name(id=COMPARE, ctx=ast.Load()),
            args=[ast.Constant(_OPS[type(node.ops[0])]), node.left, node.comparators[0]],
            keywords=[],
        )
        return ast.copy_location(call, node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "isinstance":
            node.func = ast.copy_location(ast.Name(id=ISINSTANCE, ctx=ast.Load()), node.func)
        return node


def _marker(token: str, value: ast.expr | None = None) -> ast.Call:
    args: list[ast.expr] = [ast.Constant(token)]
    if value is not None:
        args.append(value)
    return ast.Call(func=ast.Name(id=DONE, ctx=ast.Load()), args=args, keywords=[])


def instrument(tree: ast.Module, token: str, shadowed: frozenset[str] = frozenset()) -> ast.Module:
    """The rewritten module (``tree`` is modified in place and returned)."""
    tree = _Comparisons(shadowed).visit(tree)
    body = tree.body
    if body and isinstance(body[-1], ast.Expr):
        last = body[-1]
        last.value = ast.copy_location(_marker(token, last.value), last.value)
    else:
        body.append(ast.Expr(_marker(token)))
    return ast.fix_missing_locations(tree)


class PreparedTree:
    """An IPython AST transformer that ignores its input and returns a prepared tree.

    It is used once: after handing the tree over it forgets it, takes itself out
    of the shell's transformer list and lets other threads run again (the kernel
    holds them off while it prepares a test, see :mod:`.app`).
    """

    def __init__(
        self, tree: ast.Module, transformers: list[object], switch_interval: float
    ) -> None:
        self._tree: ast.Module | None = tree
        self._transformers = transformers
        self._switch_interval = switch_interval

    def visit(self, node: ast.AST) -> ast.AST:
        tree, self._tree = self._tree, None
        if self in self._transformers:
            self._transformers.remove(self)
        sys.setswitchinterval(self._switch_interval)
        if tree is None:
            raise RuntimeError("the grader's prepared test cell was already used")
        return tree
