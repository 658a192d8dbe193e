"""Tests for refactor.analysis.shell: command extraction, cwd tracking, errexit, robustness."""

from __future__ import annotations

import time

import pytest
from shared_data import require

from refactor.analysis import shell
from refactor.analysis.shell import Command, Script, analyse, split_commands


def words(script: Script, *, subst: bool = False) -> list[tuple[str, ...]]:
    return [c.words for c in script.commands if subst or not c.substitution]


def by_text(script: Script, text: str) -> Command:
    matches = [c for c in script.commands if c.text == text]
    assert len(matches) == 1, (text, [c.text for c in script.commands])
    return matches[0]


def test_backend_is_tree_sitter() -> None:
    # the fallback splitter alone is much less precise: the dependency must be installed
    assert shell.BACKEND == "tree-sitter-bash"


# --------------------------------------------------------------------------- basic chains


def test_apt_chain_with_cd() -> None:
    s = analyse(
        "apt-get update && apt-get install -y --no-install-recommends build-essential "
        "&& cd /src && make install"
    )
    assert words(s) == [
        ("apt-get", "update"),
        ("apt-get", "install", "-y", "--no-install-recommends", "build-essential"),
        ("cd", "/src"),
        ("make", "install"),
    ]
    assert [c.cwd for c in s.commands] == ["/", "/", "/", "/src"]
    assert s.find("make")[0].cwd == "/src"
    assert not s.opaque
    assert not s.errexit
    install = s.commands[1]
    assert install.name == "apt-get"
    assert install.has_flag("-y", "--yes")
    assert install.has_flag("--no-install-recommends")
    assert not install.has_flag("-q")
    assert install.text == "apt-get install -y --no-install-recommends build-essential"


def test_buildkit_logical_line_with_extra_spaces() -> None:
    script = "apt-get update  && apt-get install -y   curl  && cd /src && make install"
    s = analyse(script)
    assert s.names == ["apt-get", "apt-get", "cd", "make"]
    for c in s.commands:
        assert script[c.start : c.start + len(c.text)] == c.text
    assert s.commands[1].words == ("apt-get", "install", "-y", "curl")


def test_start_cwd_is_workdir() -> None:
    s = analyse("make && cd build && cmake .. && cd ../.. && ls", cwd="/app/src")
    assert [c.cwd for c in s.commands] == [
        "/app/src",
        "/app/src",
        "/app/src/build",
        "/app/src/build",
        "/app",
    ]


def test_errexit() -> None:
    assert analyse("set -eux; pip install -r req.txt").errexit
    assert analyse("set -e && make").errexit
    assert analyse("set -o errexit; make").errexit
    assert analyse("set -Eeuo pipefail\nmake").errexit
    assert analyse("export DEBIAN_FRONTEND=noninteractive; set -ex; make").errexit
    assert not analyse("pip install -r req.txt").errexit
    assert not analyse("make; set -e").errexit  # too late for make
    assert not analyse("set -u; make").errexit
    assert not analyse("set -e; set +e; make").errexit
    assert analyse("make", errexit=True).errexit  # shell started with -e
    assert analyse("#!/bin/sh -ex\nmake\n").errexit
    s = analyse("set -eux; pip install -r req.txt")
    pip = s.find("pip")[0]
    assert pip.errexit
    assert pip.words == ("pip", "install", "-r", "req.txt")
    s = analyse("a; set -e; b; set +e; c")
    assert [c.errexit for c in s.commands] == [False, False, True, True, False]


def test_pipes() -> None:
    s = analyse("curl -fsSL https://example.com/install.sh | sh")
    assert words(s) == [("curl", "-fsSL", "https://example.com/install.sh"), ("sh",)]
    s = analyse("curl -fsSL x | sh -s -- --yes |& tee log")
    assert s.names == ["curl", "sh", "tee"]


def test_long_pipeline_precedence_and_cd() -> None:
    # tree-sitter-bash nests `a | b | c && d` as a pipeline containing the list
    s = analyse("curl -sL u | gunzip | tar x -C /opt && cd /opt/app && make")
    assert s.names == ["curl", "gunzip", "tar", "cd", "make"]
    assert s.find("make")[0].cwd == "/opt/app"
    # a cd inside a pipeline runs in a subshell
    s = analyse("echo x | cd /tmp; ls")
    assert s.find("ls")[0].cwd == "/"


def test_redirections_belong_to_the_last_command() -> None:
    s = analyse("cd /src && make install 2>&1 > /tmp/log && ls")
    make = s.find("make")[0]
    assert make.words == ("make", "install")
    assert make.redirects == ("2>&1", "> /tmp/log")
    assert make.text == "make install 2>&1 > /tmp/log"
    assert make.cwd == "/src"
    s = analyse("curl x | tar xz && cd /o && make 2>&1 | tee log && ls")
    assert s.find("make")[0].redirects == ("2>&1",)
    assert s.find("tee")[0].cwd == "/o"
    assert s.find("ls")[0].cwd == "/o"


# --------------------------------------------------------------------------- cd tracking


def test_subshell_cd_does_not_leak() -> None:
    s = analyse("(cd /tmp/build && make) && ls && cd sub && pwd")
    assert words(s) == [("cd", "/tmp/build"), ("make",), ("ls",), ("cd", "sub"), ("pwd",)]
    assert s.find("make")[0].cwd == "/tmp/build"
    assert s.find("ls")[0].cwd == "/"
    assert s.find("pwd")[0].cwd == "/sub"


def test_brace_group_cd_leaks() -> None:
    s = analyse("{ cd /g; ls; } > log; pwd")
    assert s.find("pwd")[0].cwd == "/g"


def test_background_job_cd_does_not_leak() -> None:
    s = analyse("cd /x && sleep 1 & ls")
    assert s.find("sleep")[0].cwd == "/x"
    assert s.find("ls")[0].cwd == "/"


def test_cd_relative_and_dotdot() -> None:
    s = analyse("cd src && cd ./pkg/../lib && make && cd .. && ls", cwd="/app")
    assert s.find("make")[0].cwd == "/app/src/lib"
    assert s.find("ls")[0].cwd == "/app/src"


@pytest.mark.parametrize(
    "script",
    [
        "cd $(mktemp -d) && make",
        "cd `mktemp -d` && make",
        "cd $BUILD_DIR && make",
        "cd ${BUILD_DIR} && make",
        'cd "${BUILD_DIR:-/build}" && make',
        "cd && make",
        "cd ~ && make",
        "cd - && make",
        "cd /opt/* && make",
    ],
)
def test_cd_unknowable(script: str) -> None:
    assert analyse(script).find("make")[0].cwd is None


def test_cd_resolved_from_env() -> None:
    env = {"BUILD_DIR": "/build", "HOME": "/root", "APP": "app"}
    assert analyse("cd $BUILD_DIR && make", env=env).find("make")[0].cwd == "/build"
    assert analyse('cd "${BUILD_DIR}/x" && make', env=env).find("make")[0].cwd == "/build/x"
    assert analyse("cd && make", env=env).find("make")[0].cwd == "/root"
    assert analyse("cd ~/src && make", env=env).find("make")[0].cwd == "/root/src"
    assert analyse("cd /srv && cd $APP && make", env=env).find("make")[0].cwd == "/srv/app"
    # env only resolves cd targets; words are left as written
    assert analyse("cd $BUILD_DIR", env=env).commands[0].words == ("cd", "$BUILD_DIR")


def test_cd_dash_uses_the_tracked_previous_directory() -> None:
    s = analyse("cd /a && cd /b && cd - && make")
    assert s.find("make")[0].cwd == "/a"
    s = analyse("cd $(mktemp -d) && wget x && cd - && make")
    assert s.find("wget")[0].cwd is None
    assert s.find("make")[0].cwd == "/"


def test_cd_unknown_then_absolute_is_known_again() -> None:
    s = analyse("cd $X && a && cd /y && b && cd z && c")
    assert [c.cwd for c in s.find("a") + s.find("b") + s.find("c")] == [None, "/y", "/y/z"]


def test_pushd_popd() -> None:
    s = analyse("pushd /a && make && pushd b && make && popd && popd && ls")
    makes = s.find("make")
    assert [m.cwd for m in makes] == ["/a", "/a/b"]
    assert s.find("ls")[0].cwd == "/"


def test_if_and_for_bodies() -> None:
    script = (
        "if [ -f /etc/alpine-release ]; then apk add curl; "
        "elif command -v apt-get; then apt-get install -y curl; else yum install curl; fi; "
        "for pkg in a b c; do pip install $pkg; done"
    )
    s = analyse(script)
    assert s.names == ["[", "apk", "command", "apt-get", "yum", "pip"]
    assert s.commands[0].words == ("[", "-f", "/etc/alpine-release", "]")
    assert s.find("pip")[0].words == ("pip", "install", "$pkg")
    assert not s.opaque


def test_if_branches_merge_cwd() -> None:
    s = analyse("if test -d /a; then cd /a; else cd /b; fi; make")
    assert s.find("make")[0].cwd is None
    s = analyse("if test -d /a; then cd /a; else cd /a; fi; make")
    assert s.find("make")[0].cwd == "/a"
    s = analyse("if test -d /a; then cd /a; fi; make")
    assert s.find("make")[0].cwd is None
    s = analyse("if cd /a; then make; fi; ls")
    assert s.find("make")[0].cwd == "/a"
    assert s.find("ls")[0].cwd == "/a"


def test_loops_and_cwd() -> None:
    s = analyse("for d in a b; do (cd $d && make); done; ls")
    assert s.find("ls")[0].cwd == "/"
    s = analyse("for i in 1 2; do cd /x; make; done; ls")
    assert s.find("make")[0].cwd == "/x"
    assert s.find("ls")[0].cwd == "/x"
    s = analyse("while read -r d; do cd $d; done < dirs; ls")
    assert s.find("ls")[0].cwd is None
    s = analyse("for f in *.tar; do tar xf $f; done; ls")
    assert s.find("ls")[0].cwd == "/"


def test_case_statement() -> None:
    s = analyse(
        'case "$(uname -m)" in x86_64) ARCH=amd64 ;; aarch64|arm64) ARCH=arm64 ;; '
        "*) echo unsupported; exit 1 ;; esac && curl -o /tmp/x https://e/$ARCH"
    )
    assert not s.opaque
    assert words(s, subst=True) == [
        ("uname", "-m"),
        (),
        (),
        ("echo", "unsupported"),
        ("exit", "1"),
        ("curl", "-o", "/tmp/x", "https://e/$ARCH"),
    ]
    assert s.commands[0].substitution
    assert s.commands[1].assignments == (("ARCH", "amd64"),)


def test_functions() -> None:
    s = analyse("build() {\n  cd /src/$1\n  make\n}\ncd /work\nbuild app\nls\n")
    assert s.names == ["cd", "make", "cd", "build", "ls"]
    assert s.commands[0].cwd == "/work"  # cwd of the call site
    assert s.find("ls")[0].cwd is None  # the function changed directory
    s = analyse("f() { cd /f; }; f; ls")
    assert s.find("ls")[0].cwd == "/f"
    s = analyse("g() { cd /g; }; f() { g; ls; }; cd /a; f; pwd")
    assert s.find("pwd")[0].cwd == "/g"
    assert s.find("f")[0].cwd == "/a"
    assert s.commands[0].cwd is None  # g's body: its real call site is inside f


# --------------------------------------------------------------------------- words


def test_env_assignments() -> None:
    s = analyse('CGO_ENABLED=0 GOOS=linux go build -ldflags="-s -w" -o /out/app ./cmd/$APP')
    (go,) = s.commands
    assert go.assignments == (("CGO_ENABLED", "0"), ("GOOS", "linux"))
    assert go.words == ("go", "build", "-ldflags=-s -w", "-o", "/out/app", "./cmd/$APP")
    assert go.has_flag("-ldflags")
    assert go.text.startswith("CGO_ENABLED=0 ")
    s = analyse("export PATH=$PATH:/usr/local/go/bin GOPATH=/go; FOO=bar")
    assert s.commands[0].words == ("export", "PATH=$PATH:/usr/local/go/bin", "GOPATH=/go")
    assert s.commands[1].words == ()
    assert s.commands[1].assignments == (("FOO", "bar"),)
    assert s.commands[1].name == ""


def test_quote_removal() -> None:
    s = analyse(
        'echo \'single $x\' "double $x \\"q\\"" plain\\ space $\'a\\tb\' "a\\nb" ~/x ${Y:-z}'
    )
    assert s.commands[0].words == (
        "echo",
        "single $x",
        'double $x "q"',
        "plain space",
        "a\tb",
        "a\\nb",
        "~/x",
        "${Y:-z}",
    )
    s = analyse("go build -ldflags=\"-X 'main.v=1'\" .")
    assert s.commands[0].words == ("go", "build", "-ldflags=-X 'main.v=1'", ".")
    s = analyse("find . -name '*.pyc' -exec rm {} \\;")
    assert s.commands[0].words == ("find", ".", "-name", "*.pyc", "-exec", "rm", "{}", ";")


def test_name_is_basename() -> None:
    s = analyse("/usr/bin/pip3 install x && ./gradlew build && python3 -m pip install y")
    assert s.names == ["pip3", "gradlew", "python3"]
    assert Command((), (), "/", "").name == ""


def test_tree_sitter_word_split_is_healed() -> None:
    # tree-sitter-bash splits these words in two (tree-sitter-bash#315); they are one word
    s = analyse("curl -o zig-$(uname -m)-linux-$ZIGVER.tar.xz https://x && P=$A/$B/c make")
    assert s.find("curl")[0].words == (
        "curl",
        "-o",
        "zig-$(uname -m)-linux-$ZIGVER.tar.xz",
        "https://x",
    )
    assert s.find("make")[0].assignments == (("P", "$A/$B/c"),)
    s = analyse("export PATH=$PATH:$GOROOT/bin")
    assert s.commands[0].words == ("export", "PATH=$PATH:$GOROOT/bin")


def test_test_operator_words_are_not_swallowed() -> None:
    # after `==` in a command, tree-sitter-bash reads up to a later `}` as one regex
    s = analyse("test $a == b && cd /x && echo }")
    assert words(s) == [("test", "$a", "==", "b"), ("cd", "/x"), ("echo", "}")]
    assert s.find("echo")[0].cwd == "/x"


def test_command_substitutions_are_included_and_flagged() -> None:
    s = analyse('VERSION=$(curl -s https://x | jq -r .tag) && wget "https://y/$VERSION.tgz"')
    assert [(c.name, c.substitution) for c in s.commands] == [
        ("curl", True),
        ("jq", True),
        ("", False),
        ("wget", False),
    ]
    assert s.commands[2].assignments == (("VERSION", "$(curl -s https://x | jq -r .tag)"),)
    s = analyse("x=`cd /q && pwd`; ls")
    assert s.find("pwd")[0].cwd == "/q"
    assert s.find("ls")[0].cwd == "/"


def test_text_offsets_with_non_ascii() -> None:
    script = "echo 'héllo wörld' && cd /ü && ls \"é\" | wc -c"
    s = analyse(script)
    assert s.names == ["echo", "cd", "ls", "wc"]
    for c in s.commands:
        assert script[c.start : c.start + len(c.text)] == c.text
    assert s.find("ls")[0].cwd == "/ü"


# Tricky samples used to compare parsers (docs/shell-parser.md): the expected words of every
# command outside command substitutions.  bashlex gets 16 of these 27 right; tree-sitter-bash
# without the fixes in refactor/analysis/shell/ gets 23.
TRICKY: list[tuple[str, list[tuple[str, ...]]]] = [
    ('echo "a\\nb"', [("echo", "a\\nb")]),
    ("go build -ldflags=\"-X 'main.v=1'\" .", [("go", "build", "-ldflags=-X 'main.v=1'", ".")]),
    ("curl -o x-$(uname -m)-$V.tgz u", [("curl", "-o", "x-$(uname -m)-$V.tgz", "u")]),
    ("export PATH=$PATH:$GOROOT/bin", [("export", "PATH=$PATH:$GOROOT/bin")]),
    ("P=$A/$B/c make", [("make",)]),
    ("echo $'a\\tb'", [("echo", "a\tb")]),
    ("echo $((1+2)) && ls", [("echo", "$((1+2))"), ("ls",)]),
    ("count=$(( $a + 1 )); echo $count", [(), ("echo", "$count")]),
    ("echo a == b && echo a}b", [("echo", "a", "==", "b"), ("echo", "a}b")]),
    ("cat <<EOF > f && chmod +x f\nbody\nEOF\nls", [("cat",), ("chmod", "+x", "f"), ("ls",)]),
    ("case $x in a) echo a;; *) echo b;; esac", [("echo", "a"), ("echo", "b")]),
    ("f() { cd /x; }; f", [("cd", "/x"), ("f",)]),
    ("for i in 1 2; do echo $i; done", [("echo", "$i")]),
    ("if [ -f a ]; then rm a; fi", [("[", "-f", "a", "]"), ("rm", "a")]),
    ('while read -r l; do echo "$l"; done < f', [("read", "-r", "l"), ("echo", "$l")]),
    ("#comment\napt-get update # trailing\nls", [("apt-get", "update"), ("ls",)]),
    (
        "find . -name '*.pyc' -exec rm {} \\;",
        [("find", ".", "-name", "*.pyc", "-exec", "rm", "{}", ";")],
    ),
    ('echo foo\\ bar "x\\"y" \'z\'', [("echo", "foo bar", 'x"y', "z")]),
    ("arr=(a b); echo ${arr[@]}", [(), ("echo", "${arr[@]}")]),
    ("[[ $a =~ ^v[0-9]+$ ]] && echo y", [("[[", "$a", "=~", "^v[0-9]+$", "]]"), ("echo", "y")]),
    ("ls |& tee log", [("ls",), ("tee", "log")]),
    ('read x <<< "$y"; echo $x', [("read", "x"), ("echo", "$x")]),
    ("echo ${A:-$(pwd)} ${B//x/y}", [("echo", "${A:-$(pwd)}", "${B//x/y}")]),
    ("diff <(sort a) <(sort b)", [("diff", "<(sort a)", "<(sort b)")]),
    ("time make -j4", [("time", "make", "-j4")]),
    ("", []),
    ("# only a comment", []),
]


@pytest.mark.parametrize(("script", "expected"), TRICKY)
def test_tricky_samples(script: str, expected: list[tuple[str, ...]]) -> None:
    s = analyse(script)
    assert words(s) == expected
    assert not s.opaque


# --------------------------------------------------------------------------- heredoc bodies


HEREDOC = """#!/bin/bash
set -euxo pipefail
# install the toolchain
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \\
    ca-certificates curl   # trailing comment
read -r sha <<< "$(sha256sum /tmp/x)"
cat > /etc/app.conf <<'CONF'
cd /this/is/data && rm -rf /
CONF
install_tool() {
    cd /opt/tool
    ./install.sh --prefix=/usr/local
}
install_tool
rm -rf /var/lib/apt/lists/*
"""


def test_heredoc_body() -> None:
    s = analyse(HEREDOC)
    assert s.interpreter == "bash"
    assert s.errexit
    assert not s.opaque
    assert words(s) == [
        ("set", "-euxo", "pipefail"),
        ("export", "DEBIAN_FRONTEND=noninteractive"),
        ("apt-get", "update"),
        ("apt-get", "install", "-y", "--no-install-recommends", "ca-certificates", "curl"),
        ("read", "-r", "sha"),
        ("cat",),
        ("cd", "/opt/tool"),
        ("./install.sh", "--prefix=/usr/local"),
        ("install_tool",),
        ("rm", "-rf", "/var/lib/apt/lists/*"),
    ]
    assert s.find("sha256sum")[0].substitution
    cat = s.find("cat")[0]
    assert cat.redirects == ("> /etc/app.conf", "<<'CONF'")
    assert cat.text == "cat > /etc/app.conf <<'CONF'"  # the heredoc body is data
    assert s.find("install.sh")[0].cwd == "/opt/tool"
    assert s.find("rm")[0].cwd == "/opt/tool"  # install_tool changed directory
    assert all(c.errexit for c in s.commands[1:])


def test_heredoc_with_pipe_and_and() -> None:
    s = analyse("cat <<EOF > /run.sh && chmod +x /run.sh\necho hi\nEOF\ncat <<EOF | sh\nls\nEOF\n")
    assert words(s) == [("cat",), ("chmod", "+x", "/run.sh"), ("cat",), ("sh",)]


def test_non_shell_interpreter_is_opaque() -> None:
    s = analyse("#!/usr/bin/env python3\nimport os\nprint(os.getcwd())\n")
    assert s.interpreter == "python3"
    assert s.opaque
    assert len(s.commands) == 1 and s.commands[0].opaque and s.commands[0].words == ()


@pytest.mark.parametrize("shebang", ["#!/bin/yash", "#!/usr/bin/env posh", "#!/bin/busybox sh"])
def test_every_shell_of_the_shared_table_is_read(shebang: str) -> None:
    """refactor.data.system.SHELLS decides which interpreters are shells."""
    s = analyse(f"{shebang}\ncd /src && make\n")
    assert not s.opaque and words(s) == [("cd", "/src"), ("make",)]
    assert s.commands[1].cwd == "/src"


# --------------------------------------------------------------------------- garbage


@pytest.mark.parametrize(
    "script",
    [
        'echo "unterminated',
        "echo $(( ",
        "echo 'x",
        "ls $(echo",
        "case $x in a) echo a;;",
        "if true; then echo",
        "for x in; do",
        "((((",
        "))))",
        "}}}",
        "|| && ;;",
        "<<",
        "cat <<EOF",
        "`",
        '"$(',
        "\x00\udcff\ufeff",
        "",
        "   \n\n  ",
        "# just a comment",
    ],
)
def test_garbage_never_raises(script: str) -> None:
    s = analyse(script)
    assert isinstance(s, Script)
    for c in s.commands:
        assert isinstance(c, Command)
        assert script[c.start : c.start + len(c.text)] == c.text
        if c.opaque:
            assert c.words == ()
            assert s.opaque


def test_unterminated_quote_is_opaque_but_the_rest_is_read() -> None:
    s = analyse('apt-get update && cd /src && echo "unterminated')
    assert s.opaque
    assert [c.name for c in s.commands if not c.opaque] == ["apt-get", "cd"]
    (bad,) = [c for c in s.commands if c.opaque]
    assert bad.text == 'echo "unterminated'
    assert bad.cwd == "/src"


def test_arithmetic_garbage_is_opaque() -> None:
    s = analyse("make && echo $(( ")
    assert s.opaque
    assert s.commands[0].words == ("make",)
    assert s.commands[-1].opaque


def test_broken_multiline_script_keeps_good_statements() -> None:
    s = analyse('apt-get update\necho "oops\nmake install\n')
    # the quote swallows the rest of the script, as in the shell
    assert s.commands[0].words == ("apt-get", "update")
    assert s.commands[-1].opaque
    s = analyse("apt-get update\nif true; then\n  make\n")  # missing fi
    assert s.opaque
    assert ("make",) in words(s)


def test_unreadable_powershell_is_partly_opaque() -> None:
    s = analyse(
        "powershell Set-ExecutionPolicy Bypass -Scope Process -Force; "
        "iex ((New-Object System.Net.WebClient).DownloadString('https://x/install.ps1'))"
    )
    assert s.opaque
    assert s.commands[0].name == "powershell"
    assert s.commands[-1].opaque
    assert s.commands[-1].text.startswith("iex ((New-Object")


def test_opaque_cd_makes_cwd_unknown() -> None:
    s = analyse('cd "/src && make; ls')
    assert all(c.cwd == "/" for c in s.commands)
    s = analyse("cd /a && cd $(( ; make")
    assert s.commands[-1].cwd in (None, "/a")


def test_split_commands() -> None:
    assert split_commands("a && b || c; d | e & f\ng") == ["a", "b", "c", "d", "e", "f", "g"]
    assert split_commands("echo 'a && b' \"c; d\" $(e && f) `g | h` # x && y") == [
        "echo 'a && b' \"c; d\" $(e && f) `g | h`"
    ]
    assert split_commands("cat <<EOF && x\nbody && body\nEOF\ny") == [
        "cat <<EOF",
        "x\nbody && body\nEOF",
        "y",
    ]
    assert split_commands('echo "open && x') == ['echo "open && x']


def test_deep_nesting_is_bounded() -> None:
    t0 = time.perf_counter()
    s = analyse("echo " + "$(" * 2000 + "x" + ")" * 2000)
    assert isinstance(s, Script)
    s = analyse("(" * 3000 + "ls")
    assert isinstance(s, Script)
    s = analyse("".join(f"f{i}() {{ f{i - 1}; f{i - 1}; cd /x{i}; }}\n" for i in range(1, 40)))
    assert isinstance(s, Script)
    assert time.perf_counter() - t0 < 10


def test_long_chain_is_flat() -> None:
    script = " && ".join(f"cmd{i} --flag{i}" for i in range(3000)) + " && cd /x && make"
    s = analyse(script)
    assert not s.opaque
    assert len(s.commands) == 3002
    assert s.commands[-1].cwd == "/x"


# --------------------------------------------------------------------------- real corpus


def _corpus_scripts() -> list[tuple[str, str]]:
    corpus = require("corpus", "realworld")
    dockerfile = pytest.importorskip("dockerfile")
    scripts: list[tuple[str, str]] = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.suffix in (".tsv", ".md"):
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")  # BOM kept
        try:
            instructions = dockerfile.parse_string(text)
        except dockerfile.GoParseError:
            continue
        for ins in instructions:
            if ins.cmd.lower() != "run":
                continue
            where = f"{path.name}:{ins.start_line}"
            for heredoc in ins.heredocs or ():
                scripts.append((where, heredoc.content))
            if not ins.json and ins.value:
                scripts.append((where, ins.value[0]))
    if not scripts:
        pytest.skip("no RUN instruction found in the corpus")
    return scripts


@pytest.mark.slow
@pytest.mark.shared
def test_realworld_corpus_never_raises() -> None:
    scripts = _corpus_scripts()
    opaque = 0
    t0 = time.perf_counter()
    for where, script in scripts:
        s = shell.analyse_uncached(script, "/", {}, False)  # uncached, so the timing is real
        assert isinstance(s, Script), where
        for c in s.commands:
            assert script[c.start : c.start + len(c.text)] == c.text, where
            assert not (c.opaque and c.words), where
        opaque += s.opaque
    per_script = (time.perf_counter() - t0) / len(scripts)
    assert len(scripts) > 400
    # measured: 1 opaque script of 440 (a PowerShell RUN), ~30-50 us per script
    assert opaque <= len(scripts) // 50
    assert per_script < 0.002
