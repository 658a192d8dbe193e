"""jdk-to-jre beyond the golden cases: the vendor table, the safety rules.

The real-world corpus (one line changes, explained, a second run changes nothing) goes through
tests/test_realworld_sweep.py.
"""

from __future__ import annotations

import pytest

from codemods.jdk_to_jre import JdkToJre
from refactor.analysis.images import ImageRef
from refactor.data.java import JreImage, NoJre, distroless_for, jre_for
from refactor.engine.codemod import Context, Options
from refactor.engine.runner import FileReport, run_codemods
from refactor.syntax.parser import parse

CODEMOD = JdkToJre()


def _run(text: str, ctx: Context | None = None) -> FileReport:
    return run_codemods(parse(text), ctx or Context(), [CODEMOD])


def _codes(report: FileReport) -> list[str]:
    return [s.code for s in report.skips if s.codemod == CODEMOD.name]


def _reasons(report: FileReport) -> list[str]:
    return [s.reason for s in report.skips if s.codemod == CODEMOD.name]


# -- the vendor table -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("jdk", "jre"),
    [
        ("eclipse-temurin:17-jdk", "eclipse-temurin:17-jre"),
        ("eclipse-temurin:21", "eclipse-temurin:21-jre"),
        ("eclipse-temurin:21-jdk-noble", "eclipse-temurin:21-jre-noble"),
        ("eclipse-temurin:17.0.12_7-jdk-jammy", "eclipse-temurin:17.0.12_7-jre-jammy"),
        ("eclipse-temurin:8u422-b05-jdk-alpine", "eclipse-temurin:8u422-b05-jre-alpine"),
        ("eclipse-temurin:25-jdk-ubi9-minimal", "eclipse-temurin:25-jre-ubi9-minimal"),
        ("openjdk:17-jdk-slim", "eclipse-temurin:17-jre"),
        ("openjdk:11", "eclipse-temurin:11-jre"),
        ("openjdk:8-jdk-alpine", "eclipse-temurin:8-jre-alpine"),
        ("amazoncorretto:17-al2023-jdk", "amazoncorretto:17-al2023-headless"),
        ("amazoncorretto:21", "amazoncorretto:21-al2023-headless"),
        ("amazoncorretto:8-al2023", "amazoncorretto:8-al2023-jre"),
        ("amazoncorretto:8-alpine3.20", "amazoncorretto:8-alpine3.20-jre"),
        ("sapmachine:17", "sapmachine:17-jre"),
        ("sapmachine:21-jdk-headless-ubuntu-noble", "sapmachine:21-jre-headless-ubuntu-noble"),
        ("ibm-semeru-runtimes:open-21-jdk", "ibm-semeru-runtimes:open-21-jre"),
        ("ibm-semeru-runtimes:open-11.0.24_8-jdk-jammy", "ibm-semeru-runtimes:open-11.0.24_8-jre-jammy"),
        ("bellsoft/liberica-openjdk-debian:17", "bellsoft/liberica-openjre-debian:17"),
        ("azul/zulu-openjdk-alpine:21-latest", "azul/zulu-openjdk-alpine:21-jre-latest"),
        ("maven:3-eclipse-temurin-17", "eclipse-temurin:17-jre"),
        ("maven:3.9-eclipse-temurin-21-alpine", "eclipse-temurin:21-jre-alpine"),
        ("maven:3.8.6-openjdk-17-slim", "eclipse-temurin:17-jre"),
        ("gradle:8-jdk17", "eclipse-temurin:17-jre"),
        ("gradle:8.10-jdk21-noble", "eclipse-temurin:21-jre-noble"),
        ("adoptopenjdk/openjdk11:alpine", "eclipse-temurin:11-jre-alpine"),
        ("docker.io/library/openjdk:17", "docker.io/library/eclipse-temurin:17-jre"),
        ("docker.io/bellsoft/liberica-openjdk-alpine:21", "docker.io/bellsoft/liberica-openjre-alpine:21"),
    ],
)  # fmt: skip
def test_jre_for(jdk: str, jre: str) -> None:
    ref = ImageRef.parse(jdk)
    assert ref is not None
    found = jre_for(ref)
    assert isinstance(found, JreImage), found
    assert str(found.image) == jre
    assert jre_for(found.image) is not None and not isinstance(jre_for(found.image), JreImage)


@pytest.mark.parametrize(
    ("image", "phrase"),
    [
        ("eclipse-temurin:22-jdk", "no JRE image for Java 22"),
        ("eclipse-temurin:latest", "name the Java version"),
        ("eclipse-temurin:17-jre", "already a JRE"),
        ("openjdk:11.0.16-jdk-slim", "pins OpenJDK build"),
        ("openjdk:18-ea-11-jdk-slim", "early-access"),
        ("openjdk:17-jdk-windowsservercore", "Windows"),
        ("amazoncorretto:21-alpine", "Alpine"),
        ("amazoncorretto:17.0.2", "Amazon Linux 2"),
        ("amazoncorretto:17-al2023-headless", "already"),
        ("maven:3.9.6", "not named in its tag"),
        ("gradle:8-jdk21-graal", "graal"),
        ("adoptopenjdk/openjdk11-openj9:latest", "OpenJ9"),
        ("cgr.dev/chainguard/jdk:latest", "switch by hand"),
        ("eclipse-temurin:17-jdk@sha256:" + "0" * 64, "pinned by digest"),
    ],
)
def test_no_jre(image: str, phrase: str) -> None:
    ref = ImageRef.parse(image)
    assert ref is not None
    found = jre_for(ref)
    assert isinstance(found, NoJre)
    assert phrase in found.reason


@pytest.mark.parametrize("image", ["alpine:3.20", "nginx", "gcr.io/distroless/static-debian12"])
def test_not_java(image: str) -> None:
    ref = ImageRef.parse(image)
    assert ref is not None and jre_for(ref) is None


def test_distroless_versions() -> None:
    assert str(distroless_for(21)) == "gcr.io/distroless/java21-debian12"
    assert distroless_for(8) is None


# -- the codemod's safety rules ---------------------------------------------------------------
RUNTIME = "FROM eclipse-temurin:21-jdk\nCOPY app.jar /app.jar\n"


@pytest.mark.parametrize(
    ("lines", "phrase"),
    [
        ('CMD ["jshell"]\n', "jshell"),
        ('RUN ["/bin/sh", "-c", "jar xf /app.jar"]\nCMD ["java", "-jar", "/app.jar"]\n', "`jar`"),
        ("RUN <<EOF\njlink --output /jre\nEOF\nCMD java -jar /app.jar\n", "jlink"),
        ('CMD ["java", "--add-modules=jdk.compiler", "-jar", "/app.jar"]\n', "jdk.compiler"),
        ('ENTRYPOINT ["/entrypoint.sh"]\n', "not visible"),
        ('CMD ["sh", "/start.sh"]\n', "not visible"),
        ('CMD ["tini", "--", "jcmd", "1", "Thread.print"]\n', "jcmd"),
        ("", "no CMD or ENTRYPOINT"),
    ],
)
def test_stage_needing_the_jdk_is_skipped(lines: str, phrase: str) -> None:
    text = RUNTIME + lines
    report = _run(text)
    assert report.output == text
    assert _codes(report) == ["JRE008"]
    assert phrase in _reasons(report)[0]  # the JDK tool (or the unseen command) it names


@pytest.mark.parametrize(
    "lines",
    [
        'CMD ["java", "-jar", "/app.jar"]\n',
        'ENTRYPOINT ["tini", "--"]\nCMD ["java", "-jar", "/app.jar"]\n',
        'ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app.jar"]\n',
        'CMD ["/bin/sh", "-ec", "cd /srv && exec env A=1 java -jar /app.jar"]\n',
        'ENTRYPOINT ["$JAVA_HOME/bin/java", "-jar", "/app.jar"]\n',
        # ENTRYPOINT keeps a CMD written before it in the same stage: they are java's arguments.
        'CMD ["--spring.profiles.active=prod"]\nENTRYPOINT ["java", "-jar", "/app.jar"]\n',
        "HEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1\nCMD java -jar /app.jar\n",
    ],
)
def test_stage_only_running_java_moves_to_the_jre(lines: str) -> None:
    report = _run(RUNTIME + lines)
    assert report.output.startswith("FROM eclipse-temurin:21-jre\n"), _reasons(report)


def test_distribution_change_allows_only_portable_commands() -> None:
    text = "FROM openjdk:17-jdk-slim\n{}CMD java -jar /app.jar\n"
    portable = _run(text.format("RUN mkdir -p /data && chown 1000 /data\n"))
    assert portable.output.startswith("FROM eclipse-temurin:17-jre\n")
    apt = _run(text.format("RUN apt-get update && apt-get install -y curl\n"))
    assert apt.output.startswith("FROM openjdk:17-jdk-slim\n")
    assert _codes(apt) == ["JRE008"]
    assert "`apt-get`" in _reasons(apt)[0]  # the command that is not portable


def test_vendor_change_refuses_hard_coded_jdk_paths() -> None:
    text = (
        "FROM openjdk:17-jdk-slim\nENV PATH=/usr/local/openjdk-17/bin:$PATH\nCMD java -jar /a.jar\n"
    )
    report = _run(text)
    assert report.output == text
    assert _codes(report) == ["JRE008"]
    assert "install path /usr/local/openjdk" in _reasons(report)[0]


def test_target_stage_used_by_another_stage_is_skipped() -> None:
    text = (
        "FROM eclipse-temurin:21-jdk AS app\nCOPY app.jar /app.jar\nCMD java -jar /app.jar\n"
        "FROM app AS debug\nRUN true\n"
    )
    report = _run(text, Context(target="app"))
    assert report.output == text
    assert _codes(report) == ["JRE007"]


def test_target_option_picks_the_stage() -> None:
    text = (
        "FROM eclipse-temurin:21-jdk AS app\nCOPY app.jar /app.jar\nCMD java -jar /app.jar\n"
        "FROM eclipse-temurin:21-jdk AS tools\nRUN jcmd -h\n"
    )
    report = _run(text, Context(target="app"))
    assert report.output.startswith("FROM eclipse-temurin:21-jre AS app\n")


def test_arg_built_tags() -> None:
    bare = "ARG V=17\nFROM eclipse-temurin:${V}\nCMD java -jar /a.jar\n"
    assert _run(bare).output.startswith("ARG V=17\nFROM eclipse-temurin:${V}-jre\n")
    no_default = "ARG V\nFROM eclipse-temurin:${V}-jdk\nCMD java -jar /a.jar\n"
    assert _run(no_default).output == no_default
    vendor = "ARG V=17\nFROM openjdk:${V}-jdk-slim\nCMD java -jar /a.jar\n"
    report = _run(vendor)
    assert report.output == vendor
    assert _codes(report) == ["JRE010"]


def test_distroless_needs_exec_form_java_entrypoint() -> None:
    ctx = Context(options=Options(distroless_java=True))
    cmd_only = _run(RUNTIME + 'CMD ["java", "-jar", "/app.jar"]\n', ctx)
    assert cmd_only.output.startswith("FROM eclipse-temurin:21-jre\n")
    assert _codes(cmd_only) == ["JRE009"]
    named_user = _run(RUNTIME + 'USER app\nENTRYPOINT ["java", "-jar", "/app.jar"]\n', ctx)
    assert named_user.output.startswith("FROM eclipse-temurin:21-jre\n")
    ok = _run(RUNTIME + 'USER nonroot\nENTRYPOINT ["java", "-jar", "/app.jar"]\n', ctx)
    assert ok.output.startswith("FROM gcr.io/distroless/java21-debian12\n")


def test_opt_out_comment() -> None:
    text = "# msb-migrate: skip=jdk-to-jre\n" + RUNTIME + "CMD java -jar /app.jar\n"
    report = _run(text)
    assert report.output == text
    assert _codes(report) == ["JRE002"]
