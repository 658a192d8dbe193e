#!/usr/bin/env bash
RSPFILE=response
rm -f $RSPFILE
mkfifo $RSPFILE
handle() {
	read line
	printf 'HTTP/1.1 200 OK\r\n\r\nhello\n' > $RSPFILE
}
while true; do
	cat $RSPFILE | nc -lN 4499 | handle
done
