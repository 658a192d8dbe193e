"""Control flow: where ``if``, ``case``, loops and shell functions leave the directory.

Branches are walked from copies of the state and merged (:meth:`ShellState.merge`): branches
that end in different directories give ``None`` afterwards, and a missing ``else``/default
counts as a branch that changes nothing.  A loop's body is walked from the state at the top of
every iteration (the entry merged with one dry iteration); a ``for`` over literal words runs at
least once, so its end state is kept.  Commands in function bodies are listed where the
function is defined; :meth:`Analyser.finish_functions` gives them the directory of their call
sites when all calls agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from refactor.analysis.shell.model import Command
from refactor.analysis.shell.state import ShellState
from refactor.analysis.shell.walker import STEP_BUDGET, FunctionDef, Walker

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["Analyser"]


class Analyser(Walker):
    """The walker with compound statements: what :func:`refactor.analysis.shell.analyse` runs."""

    def __init__(self, env: Mapping[str, str], has_subst: bool) -> None:
        super().__init__(env, has_subst)
        self._dispatch.update(
            {
                "if_statement": self._if,
                "while_statement": self._while,
                "for_statement": self._for,
                "c_style_for_statement": self._c_for,
                "case_statement": self._case,
                "function_definition": self._function,
            }
        )

    def _split_keywords(self, node: Node, sep: str) -> tuple[list[Node], list[Node], list[Node]]:
        before: list[Node] = []
        after: list[Node] = []
        clauses: list[Node] = []
        seen = False
        for c in node.children:
            t = c.type
            if t == sep:
                seen = True
            elif t in ("elif_clause", "else_clause"):
                clauses.append(c)
            elif c.is_named:
                (after if seen else before).append(c)
        return before, after, clauses

    def _if(self, node: Node, st: ShellState, sub: bool) -> None:
        cond, body, clauses = self._split_keywords(node, "then")
        for c in cond:
            self.walk(c, st, sub)
        outcomes: list[ShellState] = []
        b = st.copy()
        for c in body:
            self.walk(c, b, sub)
        outcomes.append(b)
        cur = st.copy()
        has_else = False
        for clause in clauses:
            if clause.type == "elif_clause":
                ccond, cbody, _ = self._split_keywords(clause, "then")
                for c in ccond:
                    self.walk(c, cur, sub)
                b = cur.copy()
                for c in cbody:
                    self.walk(c, b, sub)
                outcomes.append(b)
            else:
                has_else = True
                b = cur.copy()
                self._seq(clause, b, sub)
                outcomes.append(b)
        if not has_else:
            outcomes.append(cur)
        st.merge(outcomes)

    def _dry_loop(self, st: ShellState, run: Callable[[ShellState], None]) -> None:
        probe = st.copy()
        run(probe)
        if probe.key() != st.key():
            st.merge([st.copy(), probe])

    def _loop_entry(self, st: ShellState, run: Callable[[ShellState], None]) -> None:
        """Make ``st`` the state at the top of every iteration (merge with one iteration)."""
        if self.steps > STEP_BUDGET:  # pathological input: stop simulating
            st.oldpwd, st.cwd, st.stack = None, None, None
            return
        probe = st.copy()
        self.dry += 1
        try:
            run(probe)
        finally:
            self.dry -= 1
        if probe.key() != st.key():
            st.merge([st.copy(), probe])

    def _while(self, node: Node, st: ShellState, sub: bool) -> None:
        cond = [c for c in node.children if c.is_named and c.type != "do_group"]
        body = node.child_by_field_name("body")

        def run(s: ShellState) -> None:
            for c in cond:
                self.walk(c, s, sub)
            if body is not None:
                self.walk(body, s, sub)

        if self.dry:  # only the end state matters: one merged pass (no exponential probing)
            self._dry_loop(st, run)
            return
        self._loop_entry(st, run)
        for c in cond:
            self.walk(c, st, sub)
        if body is not None:
            self.walk(body, st.copy(), sub)

    def _for(self, node: Node, st: ShellState, sub: bool) -> None:
        values = node.children_by_field_name("value")
        for v in values:
            self._subs(v, st)
        body = node.child_by_field_name("body")
        if body is None:
            return
        if self.dry:
            self._dry_loop(st, lambda s: self.walk(body, s, sub))
            return
        entry = st.copy()
        self._loop_entry(entry, lambda s: self.walk(body, s, sub))
        end = entry.copy()
        self.walk(body, end, sub)
        literal = bool(values) and all(
            v.type in ("word", "number", "raw_string")
            and not any(ch in self.src.node(v) for ch in "*?[")
            for v in values
        )
        if literal:  # runs at least once
            st.assign(end)
        else:
            st.merge([st.copy(), end])

    def _c_for(self, node: Node, st: ShellState, sub: bool) -> None:
        body = node.child_by_field_name("body")
        for c in node.children:
            if c.is_named and c is not body and c.type != "do_group":
                self._subs(c, st)
        if body is None:
            return
        if self.dry:
            self._dry_loop(st, lambda s: self.walk(body, s, sub))
            return
        self._loop_entry(st, lambda s: self.walk(body, s, sub))
        self.walk(body, st.copy(), sub)

    def _case(self, node: Node, st: ShellState, sub: bool) -> None:
        outcomes: list[ShellState] = []
        has_default = False
        for c in node.children:
            if c.type == "case_item":
                b = st.copy()
                values = c.children_by_field_name("value")
                for v in values:
                    if self.src.node(v) == "*":
                        has_default = True
                value_ids = {v.id for v in values}
                for cc in c.children:
                    if cc.is_named and cc.id not in value_ids:
                        self.walk(cc, b, sub)
                outcomes.append(b)
            elif c.is_named and c.type != "comment":
                self._subs(c, st)
        if not has_default:
            outcomes.append(st.copy())
        st.merge(outcomes)

    def _function(self, node: Node, st: ShellState, sub: bool) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if body is None or name_node is None:
            return
        name = self.src.node(name_node)
        first = len(self.out)
        self.in_def += 1
        try:
            self.walk(body, st.copy(), sub)
        finally:
            self.in_def -= 1
        if not self.dry and self.record:
            self.funcs[name] = FunctionDef(body, self.src, first, len(self.out))

    def finish_functions(self) -> None:
        """Give function-body commands the directory of their call sites."""
        for func in list(self.funcs.values()):
            if not func.calls and not func.nested_calls:
                continue
            entry = func.calls[0].copy() if func.calls else ShellState(None, None, None, False)
            entry.merge(func.calls)
            if func.nested_calls:
                entry.cwd = entry.oldpwd = entry.stack = None
            saved_out, saved_src = self.out, self.src
            self.out = []
            self.src = func.src
            self.record = False
            try:
                self.walk(func.body, entry, False)
                fresh = self.out
            finally:
                self.out, self.src, self.record = saved_out, saved_src, True
            span = self.out[func.first : func.last]
            if len(fresh) == len(span):
                self.out[func.first : func.last] = [
                    Command(
                        words=o.words,
                        assignments=o.assignments,
                        cwd=f.cwd,
                        text=o.text,
                        opaque=o.opaque,
                        start=o.start,
                        redirects=o.redirects,
                        substitution=o.substitution,
                        errexit=f.errexit,
                    )
                    for o, f in zip(span, fresh, strict=True)
                ]
