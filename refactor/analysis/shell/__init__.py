"""Shell analysis of Dockerfile ``RUN`` scripts (shell form and heredoc bodies).

``analyse(script)`` returns every simple command of the script in source order, with its words
after quote removal, its leading environment assignments, the working directory it runs in
(tracked through ``cd``/``pushd``/``popd``) and whether ``set -e`` is in effect.

Parsing uses tree-sitter-bash (see ``docs/shell-parser.md`` for the measurement against
bashlex).  Whatever tree-sitter cannot read cleanly is handed to a quote-, heredoc- and
keyword-aware splitter: the region is split at top-level separators, every piece is parsed
again on its own, then tokenized with shell quoting rules, and only the pieces that still
cannot be read become opaque commands.  ``analyse`` never raises.

Decisions worth knowing:

* Commands run by command substitution (``$(...)``, backticks, ``<(...)``) are included, in
  the order the shell runs them (before the command whose words contain them), flagged with
  ``substitution=True``.  A ``cd`` inside them never changes the directory of what follows.
* Words keep expansions as written (``$FOO``, ``${A:-b}``, ``$(cmd)``, ``~``); quotes and
  backslashes are removed and ``$'...'`` strings are decoded.
* ``Command.text`` is the exact substring of the script (``script[start:start+len(text)]``)
  including the command's assignments and redirections, but not a here-document body.
* Control flow is followed for the directory: branches of ``if``/``case`` that end in
  different directories give ``None`` afterwards, loops whose body changes directory give
  ``None``, a pipeline element, subshell or ``&`` job never leaks its ``cd``; ``&&``/``||``
  lists are taken as if every part runs.
* Commands in function bodies are listed where the function is defined; their ``cwd`` is the
  directory of the call sites when all calls agree (``None`` when they do not).  Calling a
  function that changes directory changes the directory of what follows.

The package, from the bottom up: :mod:`.model` (``Command``, ``Script``), :mod:`.quoting`
(quote removal), :mod:`.state` (``ShellState``: directory, pushd stack, errexit; ``cd``,
``pushd``, ``popd``, ``set``), :mod:`.scanner` (the fallback splitter and tokenizer),
:mod:`.treesitter` (the parser, node types, reading words from nodes), :mod:`.walker`
(statements, lists, commands, redirections, unreadable regions), :mod:`.control` (``if``,
``case``, loops, functions) and :mod:`.entry` (``analyse``, its cache, ``#!`` lines).
"""

from refactor.analysis.shell.entry import analyse, analyse_uncached, clear_cache
from refactor.analysis.shell.model import Command, Script
from refactor.analysis.shell.scanner import split_commands
from refactor.analysis.shell.treesitter import BACKEND

__all__ = [
    "BACKEND",
    "Command",
    "Script",
    "analyse",
    "analyse_uncached",
    "clear_cache",
    "split_commands",
]
