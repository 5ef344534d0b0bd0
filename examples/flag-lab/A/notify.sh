#!/bin/sh
# notify.sh STATE VIP: the buggy seed behaviour with a flag file for haproxy.
host=$(dirname "$0")
echo "$1 $2" >> "$host/notify.log"
case "$1" in
  master) touch "$host/haproxy.up" ;;
  backup|fault) rm -f "$host/haproxy.up" ;;
esac
exit 0
