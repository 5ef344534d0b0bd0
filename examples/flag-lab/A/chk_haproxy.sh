#!/bin/sh
# haproxy is modelled by a flag file (paths are relative to the scenario directory).
[ -f A/haproxy.up ]
