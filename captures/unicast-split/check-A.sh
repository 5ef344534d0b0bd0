#!/bin/sh
[ ! -e @RUN@/A.fail ]
