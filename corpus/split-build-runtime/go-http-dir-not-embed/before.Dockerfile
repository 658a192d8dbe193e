FROM golang:1.22
WORKDIR /srv
COPY . .
RUN CGO_ENABLED=0 go build -o /srv/site .
CMD ["/srv/site"]
