FROM registry.access.redhat.com/ubi9/ubi:9.4
RUN dnf install -y python3.11 && dnf clean all
RUN groupadd -r -g 10001 app \
    && useradd -r -l -u 10001 -g app -m -d /home/app -s /sbin/nologin app \
    && mkdir -p /opt/service && chown 10001:10001 /opt/service
WORKDIR /opt/service
COPY --chown=10001:10001 service/ ./
USER 10001:10001
CMD ["python3.11", "-m", "service"]
