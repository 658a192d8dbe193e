# syntax=docker/dockerfile:1.4
ARG baseimage="scratch"
FROM nixos/nix:latest AS builder

WORKDIR /scratch
COPY default.nix .
RUN nix-build default.nix && mkdir -p /output && cp -r result/bin /output/bin

FROM $baseimage AS production

COPY --from=builder /output/bin/ /usr/bin/
ENTRYPOINT [ "/usr/bin/ffmpeg" ]
