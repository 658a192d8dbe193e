"""The COPY/ADD destination resolver's answers to the questions codemods ask: which folders
exist when a command runs, where a context file lands, what a context folder makes a folder;
and the Java tables the split reads beside it (files read outside the jar, a jlink runtime)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.split_build_runtime import SplitBuildRuntime
from refactor.analysis.destinations import context_target, destinations, directories_at
from refactor.analysis.images import ImageRef
from refactor.analysis.model import Stage, build_model
from refactor.analysis.semantics import run_commands
from refactor.data import java
from refactor.engine.codemod import Context
from refactor.engine.runner import FileReport, run_codemods
from refactor.syntax.parser import parse


def _stage(text: str) -> Stage:
    stage = build_model(parse(text)).final
    assert stage is not None
    return stage


@pytest.mark.parametrize(
    ("body", "path", "expected"),
    [
        ("WORKDIR /app\nCOPY pom.xml /app", "pom.xml", "/app/pom.xml"),  # WORKDIR made /app
        ("COPY a.txt /app", "a.txt", "/app"),  # no such folder: a file named /app
        ("COPY a.txt /app/", "a.txt", "/app/a.txt"),
        ("WORKDIR /w/x\nCOPY a.txt /w", "a.txt", "/w/a.txt"),  # a WORKDIR's parent
        ("COPY . /src", "cmd/main.go", "/src/cmd/main.go"),
        ("COPY cmd /src", "cmd/main.go", "/src/main.go"),  # a folder's contents
        ("COPY *.txt /d/", "a.txt", "/d/a.txt"),
        ("COPY docs/*.md /d/", "docs/x/a.md", None),  # * stays within one segment
        ("COPY --from=x a.txt /d/", "a.txt", None),  # not the context
        ("COPY a.txt /one/\nCOPY a.txt /two/", "a.txt", "/two/a.txt"),  # the last one wins
    ],
)
def test_context_target(body: str, path: str, expected: str | None) -> None:
    assert context_target(_stage(f"FROM debian:12\n{body}\n"), path) == expected


def test_context_folder_copied_without_slash_is_a_folder_with_the_listing() -> None:
    stage = _stage("FROM debian:12\nCOPY src /app/src\nCOPY main.go /app/src/cmd\n")
    folders = {"src", "src/cmd"}.__contains__
    second = list(destinations(stage, folders).values())[1]
    assert (second.path, second.into) == ("/app/src/cmd", True)  # src/cmd is a context folder
    without = list(destinations(stage).values())[1]
    assert without.into is False  # nothing says so without the context
    assert context_target(stage, "main.go", folders) == "/app/src/cmd/main.go"


def test_directories_at_counts_mkdir_before_the_command_only() -> None:
    stage = _stage("FROM debian:12\nRUN cp a /out && mkdir -p /out && cp b /out\n")
    run = stage.instructions[1]
    first, _, second = run_commands(run, stage.states[1]).commands
    assert "/out" not in directories_at(stage, run, first)
    assert "/out" in directories_at(stage, run, second)
    assert "/usr/local/bin" in directories_at(stage, run)  # a folder every base image has
    scratch = _stage("FROM scratch\nCOPY a /x\n")
    assert "/usr/local/bin" not in directories_at(scratch, scratch.instructions[1])


@pytest.mark.parametrize(
    ("words", "env", "expected"),
    [
        (["java", "-Dlogging.config=/app/log.xml", "-jar", "a.jar"], {}, ["/app/log.xml"]),
        (["java", "-jar", "a.jar", "--spring.config.location=file:conf/"], {}, ["conf"]),
        (["java", "-jar", "a.jar", "--spring.config.location=classpath:x.yml"], {}, []),
        (
            ["java", "-jar", "a.jar"],
            {"SPRING_CONFIG_LOCATION": "optional:file:/etc/app/"},
            ["/etc/app"],
        ),
        (
            ["java", "-jar", "a.jar"],
            {"JAVA_OPTS": "-Xmx1g -Dlogback.configurationFile=/l.xml"},
            ["/l.xml"],
        ),
        (["java", "-Dspring.config.location=$CONF", "-jar", "a.jar"], {}, []),
    ],
)
def test_named_paths(words: list[str], env: dict[str, str], expected: list[str]) -> None:
    assert java.named_paths(words, env) == expected


def test_workdir_reads() -> None:
    assert java.workdir_read("application-prod.yml", folder=False)
    assert java.workdir_read("config", folder=True)
    assert java.workdir_read("config", folder=False) is None  # a file named config
    assert java.workdir_read("pom.xml", folder=False) is None
    assert java.workdir_read("src", folder=True) is None


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("openjdk:20-jdk-slim-bullseye", "debian:bullseye-slim"),
        ("openjdk:20-bookworm", "debian:bookworm-slim"),
        ("eclipse-temurin:20-jdk-jammy", "ubuntu:jammy"),
        ("openjdk:20-jdk-slim", None),  # the release is not in the tag
        ("eclipse-temurin:20-jdk-alpine", None),  # musl: not a glibc release
        ("amazoncorretto:20", None),
    ],
)
def test_jlink_base(image: str, expected: str | None) -> None:
    ref = ImageRef.parse(image)
    assert ref is not None
    found = java.jlink_base(ref)
    assert (found if isinstance(found, str) else None) == expected


def test_no_jre_for_a_version_says_which() -> None:
    ref = ImageRef.parse("openjdk:20-jdk-slim-bullseye")
    assert ref is not None
    found = java.jre_for(ref)
    assert isinstance(found, java.NoJre) and found.major == 20
    digest = ImageRef.parse("eclipse-temurin:17@sha256:" + "a" * 64)
    assert digest is not None
    pinned = java.jre_for(digest)
    assert isinstance(pinned, java.NoJre) and pinned.major is None  # another reason


def test_build_dependencies() -> None:
    files = {"pom.xml": "<project><dependencies>\n<dependency >\n</dependencies></project>"}
    assert java.build_dependencies(files.get, frozenset({"javac", "jar"}), True) == ""
    assert "pom.xml" in java.build_dependencies(files.get, frozenset({"mvn"}), True)
    bare = {"pom.xml": "<project><artifactId>a</artifactId></project>"}
    assert java.build_dependencies(bare.get, frozenset({"mvn"}), True) == ""
    assert "cannot be read" in java.build_dependencies(bare.get, frozenset({"mvn"}), False)
    gradle = {"build.gradle": 'dependencies {\n    implementation "a:b:1"\n}\n'}
    assert "Gradle" in java.build_dependencies(gradle.get, frozenset({"gradle"}), True)


# -- the split asks the same resolver --------------------------------------------------------------
def _split(text: str, files: dict[str, str] | None = None, root: Path | None = None) -> FileReport:
    if files is not None:
        assert root is not None
        for name, body in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
    ctx = Context(context_dir=root) if files is not None else Context()
    return run_codemods(parse(text), ctx, [SplitBuildRuntime()])


def test_cp_onto_a_path_that_is_no_folder_writes_that_file() -> None:
    """`cp hello /usr/local/bin/app` writes the file app (no such folder exists): a start
    command looking for app/hello is not given a path the build never wrote."""
    body = "FROM gcc:13\nWORKDIR /src\nCOPY hello.c .\nRUN gcc -O2 -o hello hello.c && {cp}\n"
    wrong = _split(
        body.format(cp="cp hello /usr/local/bin/app") + 'CMD ["/usr/local/bin/app/hello"]\n'
    )
    assert [s.code for s in wrong.skips if s.codemod == "split-build-runtime"] == ["SPL013"]
    made = body.format(cp="mkdir -p /opt/app && cp hello /opt/app")
    report = _split(made + 'CMD ["/opt/app/hello"]\n')
    assert "COPY --from=builder /opt/app/hello /opt/app/hello" in report.output


def test_java_start_read_through_sh_c_and_default_class_path() -> None:
    glob = _split(
        "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /w\nCOPY . .\nRUN mvn -B package\n"
        'CMD ["sh", "-c", "exec java $JAVA_OPTS -jar target/*.jar"]\n'
    )
    assert "COPY --from=builder /w/target/*.jar /w/target/" in glob.output
    classes = _split(
        'FROM eclipse-temurin:21-jdk\nWORKDIR /w\nCOPY A.java .\nRUN javac A.java\nCMD ["java", "A"]\n'
    )
    assert "COPY --from=builder /w/*.class /w/" in classes.output
    script = _split(
        "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /w\nCOPY . .\nRUN mvn -B package\n"
        'CMD ["sh", "-c", "java -jar target/a.jar || sleep 1"]\n'
    )
    assert [s.code for s in script.skips if s.codemod == "split-build-runtime"] == ["SPL021"]


def test_java_reads_beside_the_jar_unless_dockerignored(tmp_path: Path) -> None:
    text = (
        "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\nRUN mvn -B package\n"
        'CMD ["java", "-jar", "target/a-1.jar"]\n'
    )
    files = {
        "pom.xml": "<project><artifactId>a</artifactId><version>1</version></project>",
        "application.yml": "server: {}\n",
        "config/extra.yml": "x: 1\n",
        "README.md": "# a\n",
        ".dockerignore": "application.yml\n",
    }
    report = _split(text, files, tmp_path)
    assert "COPY --from=builder /app/config /app/config" in report.output
    assert "application.yml" not in report.output  # excluded: not in the builder
    assert "README.md" not in report.output
    assert any("Spring Boot loads ./config/" in str(e) for e in report.explanations)
