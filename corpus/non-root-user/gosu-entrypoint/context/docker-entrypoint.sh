#!/bin/sh
set -e
chown -R worker:worker /var/lib/worker
exec gosu worker "$@"
