"""The build model: stages, graph, working directories, users, substitution."""

from __future__ import annotations

from refactor import parse
from refactor.analysis.images import ImageRef
from refactor.analysis.model import build_model

FOUR_STAGES = """\
ARG GO_VERSION=1.22
ARG REGISTRY=docker.io
FROM ${REGISTRY}/library/golang:${GO_VERSION}-bookworm AS base
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM base AS build
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM build as test
RUN go test ./...

FROM --platform=$TARGETPLATFORM gcr.io/distroless/static-debian12:nonroot@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
COPY --from=0 /src/go.mod /meta/go.mod
COPY --from=build /out/app /app
RUN --mount=type=bind,from=test,source=/src,target=/t true
USER nonroot
ENTRYPOINT ["/app"]
"""


def test_four_stage_graph() -> None:
    model = build_model(parse(FOUR_STAGES))
    assert [s.name for s in model.stages] == ["base", "build", "test", None]
    assert model.stages[0].base == "docker.io/library/golang:1.22-bookworm"
    image = model.stages[0].image
    assert image is not None
    assert (image.registry, image.repository, image.tag) == (
        "docker.io",
        "library/golang",
        "1.22-bookworm",
    )
    assert image.hub_name == "golang"
    final = model.final
    assert final is not None and final.index == 3
    assert final.platform == "$TARGETPLATFORM"
    assert final.image is not None and final.image.digest is not None
    assert final.image.tag == "nonroot"
    edges = {(e.source, e.target, e.kind) for e in model.edges}
    assert edges == {
        (0, 1, "from"),
        (1, 2, "from"),
        (0, 3, "copy"),
        (1, 3, "copy"),
        (2, 3, "mount"),
    }
    assert model.needed() == [0, 1, 2, 3]
    assert model.needed("build") == [0, 1]
    assert model.needed("TEST") == [0, 1, 2]
    assert model.dangling == []
    assert model.global_args == {"GO_VERSION": "1.22", "REGISTRY": "docker.io"}
    assert model.entrypoint(final) == ["/app"]
    assert final.final_state is not None and final.final_state.user == "nonroot"


def test_dangling_and_external_references() -> None:
    model = build_model(
        parse(
            "FROM alpine\nCOPY --from=3 /a /a\nCOPY --from=nginx:1.27 /b /b\nCOPY --from=0 /c /c\n"
        )
    )
    dangling = [e.reference for e in model.dangling]
    assert dangling == ["3", "0"]  # 0 is the stage itself: not a previous stage
    images = [e.image for e in model.edges if e.image]
    assert images == ["nginx:1.27"]


def test_workdir_chaining_with_substitution() -> None:
    tree = parse(
        "FROM debian:bookworm\n"
        "ARG APP=service\n"
        "ENV BASE=/opt ROOT=/srv\n"
        "WORKDIR $BASE\n"
        "WORKDIR ${APP}/src\n"
        "WORKDIR ../lib\n"
        "ARG EMPTY\n"
        "WORKDIR ${EMPTY:-fallback}\n"
        "WORKDIR $FROM_BASE_IMAGE\n"
        "ENV ROOT=/data SUB=$ROOT\n"
        "WORKDIR $SUB\n"
        "RUN make\n"
    )
    model = build_model(tree)
    stage = model.stages[0]
    workdirs = [s.workdir for s in stage.states]
    # state *before* each instruction runs
    assert workdirs == [
        "/",
        "/",
        "/",
        "/",
        "/opt",
        "/opt/service/src",
        "/opt/service/lib",
        "/opt/service/lib",
        "/opt/service/lib/fallback",
        # unknown variables (maybe set by the base image) stay as written
        "/opt/service/lib/fallback/$FROM_BASE_IMAGE",
        "/opt/service/lib/fallback/$FROM_BASE_IMAGE",
        "/srv",
    ]
    last = stage.states[-1]
    assert last.env == {"BASE": "/opt", "ROOT": "/data", "SUB": "/srv"}  # ENV sees old ROOT
    assert last.args == {"APP": "service", "EMPTY": ""}


def test_global_args_and_build_args() -> None:
    text = "ARG V=1\nARG IMG=python:${V}\nFROM $IMG\nARG V\nRUN echo $V\n"
    model = build_model(parse(text))
    assert model.stages[0].base == "python:1"
    assert model.stages[0].states[-1].args == {"V": "1"}
    model = build_model(parse(text), build_args={"V": "3.12"})
    assert model.stages[0].base == "python:3.12"


def test_user_tracking_and_inheritance() -> None:
    tree = parse(
        "FROM node:20 AS build\n"
        "USER node\n"
        "RUN npm ci\n"
        "USER root\n"
        "RUN apt-get update\n"
        "USER 1000:1000\n"
        "FROM build AS again\n"
        "RUN id\n"
        "ARG U=app\n"
        "USER ${U}\n"
        "CMD id\n"
    )
    model = build_model(tree)
    users = [s.user for s in model.stages[0].states]
    assert users == [None, None, "node", "node", "root", "root"]
    again = model.stages[1]
    assert again.states[1].user == "1000:1000"  # inherited from FROM build
    assert again.final_state is not None and again.final_state.user == "app"
    assert again.states[1].home is None  # only the image's /etc/passwd knows uid 1000's home
    assert model.stages[0].states[0].home == "/root"


def test_cmd_reset_by_entrypoint_and_inherited_expose() -> None:
    tree = parse(
        'FROM python:3.12 AS base\nEXPOSE 8000\nCMD ["python", "app.py"]\n'
        "FROM base\nEXPOSE 9000/udp\nENTRYPOINT python -m app\n"
    )
    model = build_model(tree)
    assert model.cmd(model.stages[0]) == ["python", "app.py"]
    assert model.cmd(model.stages[1]) is None  # ENTRYPOINT resets the inherited CMD
    assert model.entrypoint(model.stages[1]) == "python -m app"
    assert model.exposed_ports(model.stages[1]) == ["8000", "9000/udp"]


def test_cmd_set_before_entrypoint_in_the_same_stage_is_kept() -> None:
    model = build_model(parse('FROM python:3.12\nCMD ["app.py"]\nENTRYPOINT ["python"]\n'))
    assert model.cmd(model.stages[0]) == ["app.py"]


def test_from_matches_stage_names_exactly_copy_from_does_not() -> None:
    model = build_model(
        parse("FROM alpine AS Builder\nFROM Builder\nFROM alpine\nCOPY --from=BUILDER /a /a\n")
    )
    assert model.stages[0].name == "builder"
    assert model.stages[1].parent is None and model.stages[1].image is None
    assert [(e.source, e.kind) for e in model.edges] == [(0, "copy")]
    assert build_model(parse("FROM alpine\nCOPY --from=Bulder /a /a\n")).dangling


def test_image_reference_parsing() -> None:
    ref = ImageRef.parse("localhost:5000/team/app:1.2@sha256:" + "a" * 64)
    assert ref is not None
    assert (ref.registry, ref.repository, ref.tag) == ("localhost:5000", "team/app", "1.2")
    assert str(ref) == "localhost:5000/team/app:1.2@sha256:" + "a" * 64
    assert str(ref.with_tag("2.0")) == "localhost:5000/team/app:2.0"
    assert ImageRef.parse("${IMAGE}") is None
    plain = ImageRef.parse("eclipse-temurin:17-jdk-jammy")
    assert plain is not None and plain.family == "eclipse-temurin" and plain.registry is None
    assert ImageRef.parse("scratch") is not None and ImageRef.parse("scratch").is_scratch
