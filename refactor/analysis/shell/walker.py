"""The walker: tree-sitter-bash nodes (and fallback pieces) to :class:`Command` s.

:class:`Walker` reads sequences, and-or lists and pipelines, subshells, simple commands with
their assignments and redirections, and command substitutions, updating a
:class:`ShellState` as each command runs (``cd``, ``set -e``, calls of shell functions).  It
corrects what tree-sitter-bash misreads without reporting an error: the precedence of
``a | b && c``, redirections attached to a whole list, one word split in two, and ``==`` read
as a regex.  Regions tree-sitter cannot read go to the fallback reader (:mod:`.scanner`), piece
by piece, and only what still cannot be read becomes an opaque command.

Compound statements whose directory depends on control flow (``if``, ``case``, loops,
functions) are read by the subclass in :mod:`.control`.  Two guards keep pathological input
cheap: nesting deeper than ``MAX_DEPTH`` becomes opaque, and after ``STEP_BUDGET`` steps loops
and function calls stop being simulated (the directory becomes unknown).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from refactor.analysis.shell.model import Command
from refactor.analysis.shell.quoting import NAME_EQ
from refactor.analysis.shell.scanner import split_pieces, tokenize
from refactor.analysis.shell.state import (
    OPAQUE_CD,
    ShellState,
    apply_cd,
    apply_popd,
    apply_pushd,
    apply_set,
)
from refactor.analysis.shell.treesitter import (
    EXPANSIONS,
    PLAIN_WORDS,
    REDIRECTS,
    SIMPLE,
    STATEMENTS,
    SUBSTITUTIONS,
    Source,
    parse,
)

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["MAX_DEPTH", "STEP_BUDGET", "FunctionDef", "Walker"]

#: commands a script may run before its real work: ``Script.errexit`` is the errexit of the
#: first command not listed here (so ``set -e`` at the top counts)
_PREAMBLE = frozenset(
    [
        "set",
        "shopt",
        "export",
        "declare",
        "typeset",
        "readonly",
        "local",
        "umask",
        "trap",
        ":",
        "true",
        "unset",
        "alias",
        "",
    ]
)

#: nesting deeper than this becomes an opaque command
MAX_DEPTH = 150
#: walk steps after which loops and function calls are no longer simulated
STEP_BUDGET = 20_000

#: a statement handler: (node, state, inside a substitution)
Handler = Callable[["Node", ShellState, bool], None]
#: a simple-command handler, also given redirections that tree-sitter put on an enclosing
#: list and the byte where they end
SimpleHandler = Callable[["Node", ShellState, bool, tuple[str, ...], "int | None"], None]


class FunctionDef:
    """A shell function: its body, where its commands are in the output, its call states."""

    __slots__ = ("body", "calls", "first", "last", "nested_calls", "src")

    def __init__(self, body: Node, src: Source, first: int, last: int) -> None:
        self.body = body
        self.src = src
        self.first = first
        self.last = last
        self.calls: list[ShellState] = []
        self.nested_calls = False


#: reserved words the fallback tokenizer drops in front of a command / that are no command
_RESERVED_LEAD = frozenset({"then", "do", "else", "elif", "if", "while", "until", "!", "{", "}"})
_NOT_COMMANDS = frozenset({"fi", "done", "esac", "}", "for", "case", "select", "function", "in"})


class Walker:
    """Walks tree-sitter trees (and the fallback pieces) and emits Commands."""

    def __init__(self, env: Mapping[str, str], has_subst: bool) -> None:
        self.env = env
        self.out: list[Command] = []
        self.opaque = False
        self.src = Source("")
        self.has_subst = has_subst
        self.dry = 0
        self.funcs: dict[str, FunctionDef] = {}
        self.calling: set[str] = set()
        self.first_errexit: bool | None = None
        self.depth = 0
        self.steps = 0
        self.record = True  # register functions and their call sites (off while re-walking)
        self.in_def = 0  # > 0 while walking a function body where it is defined
        self._simple: dict[str, SimpleHandler] = {
            "command": self._command,
            "declaration_command": self._declaration,
            "unset_command": self._declaration,
            "variable_assignment": self._assignments,
            "variable_assignments": self._assignments,
            "test_command": self._test,
        }
        self._dispatch: dict[str, Handler] = {
            "program": self._seq,
            "compound_statement": self._compound,
            "do_group": self._seq,
            "list": self._oplist,
            "negated_command": self._seq,
            "pipeline": self._oplist,
            "subshell": self._subshell,
            "redirected_statement": self._redirected,
            "command": self._command,
            "declaration_command": self._declaration,
            "unset_command": self._declaration,
            "variable_assignment": self._assignments,
            "variable_assignments": self._assignments,
            "test_command": self._test,
        }

    # ---------------------------------------------------------------- emission & effects

    def emit(
        self,
        st: ShellState,
        sub: bool,
        words: tuple[str, ...],
        assignments: tuple[tuple[str, str], ...],
        start_char: int,
        text: str,
        redirects: tuple[str, ...] = (),
        opaque: bool = False,
    ) -> None:
        cmd = Command(
            words=words,
            assignments=assignments,
            cwd=st.cwd,
            text=text,
            opaque=opaque,
            start=start_char,
            redirects=redirects,
            substitution=sub,
            errexit=st.errexit,
        )
        if not self.dry:
            self.out.append(cmd)
            if self.first_errexit is None and not sub and (opaque or cmd.name not in _PREAMBLE):
                self.first_errexit = st.errexit
            if opaque:
                self.opaque = True
        if opaque:
            if OPAQUE_CD.search(text):
                st.oldpwd, st.cwd, st.stack = st.cwd, None, None
            return
        name = cmd.name
        if name == "cd":
            apply_cd(words, st, self.env)
        elif name == "set":
            apply_set(words, st)
        elif name == "pushd":
            apply_pushd(words, st, self.env)
        elif name == "popd":
            apply_popd(words, st)
        elif name in self.funcs and len(words[0]) == len(name):
            self._call(name, st)

    def _call(self, name: str, st: ShellState) -> None:
        func = self.funcs[name]
        if not self.dry and self.record:
            if self.in_def:  # called from another function: the real call site is unknown
                func.nested_calls = True
            else:
                func.calls.append(st.copy())
        if name in self.calling or self.depth > 50 or self.steps > STEP_BUDGET:
            # recursion or pathological input: give up on the directory
            st.oldpwd, st.cwd, st.stack = st.cwd, None, None
            return
        self.calling.add(name)
        saved_src = self.src
        self.src = func.src
        self.dry += 1
        try:
            self.walk(func.body, st, False)
        finally:
            self.dry -= 1
            self.src = saved_src
            self.calling.discard(name)

    # ---------------------------------------------------------------- tree walking

    def walk(self, node: Node, st: ShellState, sub: bool) -> None:
        handler = self._dispatch.get(node.type)
        if handler is not None:
            self.steps += 1
            if self.depth > MAX_DEPTH:  # absurd nesting: do not recurse further
                start, text = self.src.span(node.start_byte, node.end_byte)
                self.emit(st, sub, (), (), start, text, opaque=True)
                return
            self.depth += 1
            try:
                handler(node, st, sub)
            finally:
                self.depth -= 1
        elif node.is_named and node.type not in ("comment", "heredoc_body"):
            self._subs(node, st)

    def _seq(self, node: Node, st: ShellState, sub: bool) -> None:
        children = node.children
        last = len(children) - 1
        for i, c in enumerate(children):
            if c.is_named:
                if i < last and children[i + 1].type == "&":  # background job: a subshell
                    self.walk(c, st.copy(), sub)
                else:
                    self.walk(c, st, sub)

    def _compound(self, node: Node, st: ShellState, sub: bool) -> None:
        if node.child_count and node.children[0].type == "((":
            self._subs(node, st, sub)
            return
        self._seq(node, st, sub)

    @staticmethod
    def _and_or(node: Node) -> tuple[list[list[Node]], dict[int, list[Node]]]:
        """The pipelines of an and-or list: ``[[a, b, c], [d], [e]]`` for ``a|b|c && d || e``.

        tree-sitter-bash nests these with the wrong precedence (``a | b | c && d`` becomes
        ``pipeline(a, list(pipeline(b, c), d))``, and ``a && b 2>&1 | c`` puts the redirection
        on the list ``a && b``); flattening operands and operators and regrouping them
        restores the shell's reading.  Redirections found on a nested list go to its last
        operand (second result, by node id).  Iterative: chains can be long.
        """
        groups: list[list[Node]] = [[]]
        moved: dict[int, list[Node]] = {}
        todo = [node]
        while todo:
            x = todo.pop()
            t = x.type
            if t == "list" or t == "pipeline":
                todo.extend(reversed(x.children))
                continue
            if t == "redirected_statement":
                body = x.child_by_field_name("body")
                if body is not None and (body.type == "list" or body.type == "pipeline"):
                    leaf = body
                    while leaf.type in ("list", "pipeline", "redirected_statement"):
                        if leaf.type == "redirected_statement":
                            inner = leaf.child_by_field_name("body")
                            if inner is None or inner.type not in ("list", "pipeline"):
                                break
                            leaf = inner
                            continue
                        named = [c for c in leaf.children if c.is_named and c.type != "comment"]
                        if not named:
                            break
                        leaf = named[-1]
                    moved.setdefault(leaf.id, []).append(x)
                    todo.append(body)
                    continue
            if t == "&&" or t == "||":
                groups.append([])
            elif x.is_named and t != "comment":
                groups[-1].append(x)
        return [g for g in groups if g], moved

    def _oplist(
        self,
        node: Node,
        st: ShellState,
        sub: bool,
        reds: tuple[str, ...] = (),
        end: int | None = None,
    ) -> None:
        groups, moved = self._and_or(node)
        last_group = len(groups) - 1
        for gi, group in enumerate(groups):
            fork = len(group) > 1  # every element of a real pipeline runs in a subshell
            last = len(group) - 1
            for i, part in enumerate(group):
                s = st.copy() if fork else st
                preds: tuple[str, ...] = ()
                pend = None
                after: list[Node] = []
                for rs in reversed(moved.get(part.id, ())):  # innermost first
                    r, e, a = self._redirect_info(rs, s)
                    preds += tuple(r)
                    pend = e if pend is None or (e is not None and e > pend) else pend
                    after += a
                if gi == last_group and i == last and (reds or end is not None):
                    preds += reds
                    pend = end if pend is None or (end is not None and end > pend) else pend
                if preds or pend is not None:
                    self._with_redirects(part, s, sub, preds, pend)
                else:
                    self.walk(part, s, sub)
                for h in after:
                    self.walk(h, s, sub)

    def _subshell(self, node: Node, st: ShellState, sub: bool) -> None:
        self._seq(node, st.copy(), sub)

    def _subs(self, node: Node, st: ShellState, sub: bool = True) -> None:
        """Emit the commands of every command/process substitution below ``node``."""
        if not self.has_subst:
            return
        stack = [node]
        found = []
        while stack:
            n = stack.pop()
            if n.type in SUBSTITUTIONS:
                found.append(n)
                continue
            if n.child_count:
                stack.extend(reversed(n.children))
        for s in found:
            inner = st.copy()
            for c in s.children:
                if c.is_named:
                    self.walk(c, inner, True)

    def _command(
        self,
        node: Node,
        st: ShellState,
        sub: bool,
        redirects: tuple[str, ...] = (),
        end_byte: int | None = None,
    ) -> None:
        children = node.children
        for c in children:
            if c.type == "regex":  # tree-sitter reads `echo a == b ...` as a test: re-read
                self._region(node.start_byte, node.end_byte, st, sub, use_ts=False)
                return
        assigns: list[tuple[str, str]] = []
        words: list[str] = []
        reds: list[str] = []
        last_end = -1
        last_assign = False
        for c in children:
            t = c.type
            if t == "comment":
                continue
            self._subs(c, st)
            if t in REDIRECTS:
                reds.append(self.src.node(c).strip())
                continue
            if c.start_byte == last_end:
                # tree-sitter-bash sometimes splits one shell word in two (`a-$(x)-$Y.tar`,
                # `P=$A/$B/c`, tree-sitter-bash#315): touching nodes are one word
                if last_assign:
                    k, v = assigns[-1]
                    assigns[-1] = (k, v + self.src.word(c))
                else:
                    words[-1] += self.src.word(c)
            elif t == "variable_assignment" and not words:
                assigns.append(self.src.assignment(c))
                last_assign = True
            elif (
                not words
                and t != "command_name"
                and (m := NAME_EQ.match(self.src.node(c))) is not None
            ):
                assigns.append((m.group(1), self.src.word(c)[m.end() :]))  # after a healed split
                last_assign = True
            else:
                words.append(self.src.word(c))
                last_assign = False
            last_end = c.end_byte
        start, text = self.src.span(node.start_byte, max(node.end_byte, end_byte or 0))
        self.emit(st, sub, tuple(words), tuple(assigns), start, text, (*reds, *redirects))

    def _declaration(
        self,
        node: Node,
        st: ShellState,
        sub: bool,
        redirects: tuple[str, ...] = (),
        end_byte: int | None = None,
    ) -> None:
        words: list[str] = []
        reds: list[str] = []
        last_end = -1
        for c in node.children:
            t = c.type
            if t == "comment":
                continue
            self._subs(c, st)
            if t in REDIRECTS:
                reds.append(self.src.node(c).strip())
                continue
            if t == "variable_assignment":
                k, v = self.src.assignment(c)
                value = f"{k}={v}"
            else:
                value = self.src.word(c)
            if c.start_byte == last_end and words:  # one word split in two, see _command
                words[-1] += value
            else:
                words.append(value)
            last_end = c.end_byte
        start, text = self.src.span(node.start_byte, max(node.end_byte, end_byte or 0))
        self.emit(st, sub, tuple(words), (), start, text, (*reds, *redirects))

    def _assignments(
        self,
        node: Node,
        st: ShellState,
        sub: bool,
        redirects: tuple[str, ...] = (),
        end_byte: int | None = None,
    ) -> None:
        self._subs(node, st)
        assigns: tuple[tuple[str, str], ...]
        if node.type == "variable_assignment":
            assigns = (self.src.assignment(node),)
        else:
            assigns = tuple(
                self.src.assignment(c) for c in node.children if c.type == "variable_assignment"
            )
        start, text = self.src.span(node.start_byte, max(node.end_byte, end_byte or 0))
        self.emit(st, sub, (), assigns, start, text, redirects)

    def _test(
        self,
        node: Node,
        st: ShellState,
        sub: bool,
        redirects: tuple[str, ...] = (),
        end_byte: int | None = None,
    ) -> None:
        self._subs(node, st)
        words: list[str] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if n is not node and (
                n.type in PLAIN_WORDS
                or n.type in EXPANSIONS
                or n.type in ("string", "raw_string", "concatenation", "ansi_c_string")
                or not n.is_named
            ):
                words.append(self.src.word(n) if n.is_named else self.src.node(n))
                continue
            if n.type == "comment":
                continue
            stack.extend(reversed(n.children))
        start, text = self.src.span(node.start_byte, max(node.end_byte, end_byte or 0))
        self.emit(st, sub, tuple(words), (), start, text, redirects)

    def _redirect_info(
        self, node: Node, st: ShellState
    ) -> tuple[list[str], int | None, list[Node]]:
        """Redirections of a redirected_statement: (texts, end byte, statements after a heredoc)."""
        reds: list[str] = []
        end = None
        after: list[Node] = []
        for c in node.children:
            if c.type == "file_redirect" or c.type == "herestring_redirect":
                self._subs(c, st)
                reds.append(self.src.node(c).strip())
                end = c.end_byte
            elif c.type == "heredoc_redirect":
                self._subs(c, st)
                hend = c.start_byte
                for h in c.children:
                    ht = h.type
                    if ht == "heredoc_start" or ht == "<<" or ht == "<<-" or ht == "file_redirect":
                        hend = h.end_byte
                    elif ht in STATEMENTS:
                        after.append(h)  # `cat <<EOF > f && chmod +x f`, `cat <<EOF | sh`
                    elif ht == "heredoc_body":
                        break
                reds.append(self.src.text(c.start_byte, hend).strip())
                end = hend if end is None or hend > end else end
        return reds, end, after

    def _redirected(self, node: Node, st: ShellState, sub: bool) -> None:
        body = node.child_by_field_name("body")
        reds, end, after = self._redirect_info(node, st)
        if body is not None:
            self._with_redirects(body, st, sub, tuple(reds), end)
        for h in after:
            if h.type == "pipeline":  # `cat <<EOF | sh`
                for c in h.children:
                    if c.is_named:
                        self.walk(c, st.copy(), sub)
            else:
                self.walk(h, st, sub)

    def _with_redirects(
        self, node: Node, st: ShellState, sub: bool, reds: tuple[str, ...], end: int | None
    ) -> None:
        """Walk ``node`` giving ``reds`` to its last simple command.

        tree-sitter-bash attaches the redirections of ``a && b > f`` to the whole list; in
        the shell they belong to ``b``.
        """
        t = node.type
        if t in SIMPLE:
            self._simple[t](node, st, sub, reds, end)
        elif t == "list" or t == "pipeline":
            self._oplist(node, st, sub, reds, end)
        elif t == "negated_command":
            parts = [c for c in node.children if c.is_named and c.type != "comment"]
            for c in parts[:-1]:
                self.walk(c, st, sub)
            if parts:
                self._with_redirects(parts[-1], st, sub, reds, end)
        else:
            self.walk(node, st, sub)

    # ---------------------------------------------------------------- unreadable regions

    def run_tree(self, text: str, base: int, st: ShellState, sub: bool, check: bool) -> bool:
        """Parse ``text`` and walk it; return False (emitting nothing) if it has errors."""
        src = Source(text, base)
        root = parse(src)
        if root is None or (check and root.has_error):
            return False
        saved = self.src
        self.src = src
        try:
            self.walk(root, st, sub)
        finally:
            self.src = saved
        return True

    def _region(
        self, start_byte: int, end_byte: int, st: ShellState, sub: bool, use_ts: bool = True
    ) -> None:
        src = self.src
        a, b = src.pos(start_byte), src.pos(end_byte)
        self.fallback(src.s[a:b], src.base + a, st, sub, use_ts)

    def fallback(
        self, text: str, base: int, st: ShellState, sub: bool, use_ts: bool = True
    ) -> None:
        pieces, unbalanced = split_pieces(text, 0, len(text), loose=False)
        if unbalanced:
            self.opaque = True
        for a, b in pieces:
            piece = text[a:b]
            if use_ts and self.run_tree(piece, base + a, st, sub, check=True):
                continue
            subpieces, _ = split_pieces(piece, 0, len(piece), loose=True)
            for sa, sb in subpieces:
                chunk = piece[sa:sb]
                if (
                    use_ts
                    and len(subpieces) > 1
                    and self.run_tree(chunk, base + a + sa, st, sub, True)
                ):
                    continue
                self._tokens(chunk, base + a + sa, st, sub, use_ts)

    def _tokens(
        self, chunk: str, start: int, st: ShellState, sub: bool, use_ts: bool = True
    ) -> None:
        if chunk.startswith("(") and chunk.endswith(")") and not chunk.startswith("(("):
            # a subshell: read its inside, and keep its cd to itself
            self.fallback(chunk[1:-1], start + 1, st.copy(), sub, use_ts)
            return
        res = tokenize(chunk)
        if res is None:
            self.emit(st, sub, (), (), start, chunk, opaque=True)
            return
        toks, redirects = res
        while toks and toks[0][0] in _RESERVED_LEAD:
            toks.pop(0)
        if not toks and not redirects:
            return
        if toks and toks[0][0] in _NOT_COMMANDS:
            return
        assigns: list[tuple[str, str]] = []
        while toks:
            m = NAME_EQ.match(toks[0][0])
            if m is None:
                break
            _raw, value = toks.pop(0)
            assigns.append(
                (m.group(1), value[m.end() :] if value.startswith(m.group(0)) else value)
            )
        self.emit(
            st, sub, tuple(v for _, v in toks), tuple(assigns), start, chunk, tuple(redirects)
        )
