#!/bin/bash
# keepalived 2.4.3 auth_hmac on the wire: two hosts in network namespaces joined by a veth pair
# (interface hm0, a name the root namespace does not have; nothing touches the root namespace),
# A 172.16.25.1 priority 150, B 172.16.25.2 priority 100, VRRPv2 VRID 51, advert_int 1, VIP
# 172.16.25.51. tcpdump on A's hm0. Processes are ended by PID, the namespaces removed on exit.
# CASE: enforce (both enforce, key 1), mixed (A enforce, B without auth_hmac), keyid (A holds
# keys 1 and 2 with active_key 2, B only key 1), skew (both enforce, B's clock 30 s ahead through
# libfaketime, default window), rolow (A enforce, B receive-only), rohigh (A receive-only, B
# enforce), permnone (A permissive, B without auth_hmac), v6 (both enforce, VRRPv3 over IPv6:
# VIP fd00::51, adverts from the link-local addresses).
# usage: K=$(build.sh 2.4.3) auth-hmac.sh OUTDIR CASE [SECONDS]
set -u
OUT=$(realpath -m $1); CASE=$2; SECS=${3:-6}; P=vhm$$
K=${K:-/var/cache/vrrplab-lab/keepalived-2.4.3/sbin/keepalived}
rm -rf $OUT; mkdir -p $OUT
PIDS=()
down() {
  local pid i
  # keepalived first (its priority-0 advert is captured), tcpdump last
  for pid in "${PIDS[@]:1}"; do kill -TERM $pid 2>/dev/null; done
  for i in $(seq 30); do
    alive=0; for pid in "${PIDS[@]:1}"; do kill -0 $pid 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  sleep 0.2; kill -TERM ${PIDS[0]} 2>/dev/null; sleep 0.2
  for pid in "${PIDS[@]}" $(cat $OUT/*.vrrp.pid 2>/dev/null); do kill -KILL $pid 2>/dev/null; done
  wait 2>/dev/null
  ip netns del ${P}a 2>/dev/null; ip netns del ${P}b 2>/dev/null
}
trap down EXIT
ip netns add ${P}a; ip netns add ${P}b
ip -n ${P}a link add hm0 type veth peer name hm0 netns ${P}b
for h in a b; do ip -n ${P}$h link set lo up; ip -n ${P}$h link set hm0 up; done
ip -n ${P}a addr add 172.16.25.1/24 dev hm0; ip -n ${P}b addr add 172.16.25.2/24 dev hm0
KEY1=vrrplab-auth-hmac-key-one-0123456789
KEY2=hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
# conf NAME PRIORITY AUTHBLOCK
VIP=172.16.25.51/24; VER=""
[ $CASE = v6 ] && { VIP=fd00::51/64; VER="    version 3"; }
conf() {
  cat > $OUT/$1.conf <<EOS
global_defs {
   router_id vrrplab_$1
}
vrrp_instance VI_1 {
    interface hm0
    state BACKUP
    priority $2
    virtual_router_id 51
    advert_int 1
$VER
$3
    virtual_ipaddress {
        $VIP dev hm0
    }
}
EOS
}
auth() { # KEYS ACTIVE [MODE]
  local out="    auth_hmac {" k
  for k in $1; do case $k in 1) out+=$'\n'"        key 1 $KEY1";; 2) out+=$'\n'"        key 2 $KEY2";; esac; done
  [ -n "${3:-}" ] && out+=$'\n'"        mode $3"
  echo "$out"$'\n'"        active_key $2"$'\n'"    }"
}
case $CASE in
  enforce|skew|v6) conf A 150 "$(auth 1 1)"; conf B 100 "$(auth 1 1)";;
  mixed) conf A 150 "$(auth 1 1)"; conf B 100 "";;
  keyid) conf A 150 "$(auth '1 2' 2)"; conf B 100 "$(auth 1 1)";;
  rolow) conf A 150 "$(auth 1 1)"; conf B 100 "$(auth 1 1 receive-only)";;
  rohigh) conf A 150 "$(auth 1 1 receive-only)"; conf B 100 "$(auth 1 1)";;
  permnone) conf A 150 "$(auth 1 1 permissive)"; conf B 100 "";;
  *) echo "unknown case $CASE" >&2; exit 2;;
esac
ip netns exec ${P}a tcpdump -Z root -i hm0 -U -w $OUT/capture.pcap 'ip proto 112 or ip6 proto 112' 2>/dev/null &
PIDS+=($!)
sleep 0.5
ip netns exec ${P}a $K -n -l -D -f $OUT/A.conf -p $OUT/A.pid -r $OUT/A.vrrp.pid >$OUT/A.log 2>&1 &
PIDS+=($!)
if [ $CASE = skew ]; then
  ip netns exec ${P}b env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 FAKETIME=+30s \
    DONT_FAKE_MONOTONIC=1 $K -n -l -D -f $OUT/B.conf -p $OUT/B.pid -r $OUT/B.vrrp.pid >$OUT/B.log 2>&1 &
else
  ip netns exec ${P}b $K -n -l -D -f $OUT/B.conf -p $OUT/B.pid -r $OUT/B.vrrp.pid >$OUT/B.log 2>&1 &
fi
PIDS+=($!)
sleep $SECS
for h in a b; do echo "$h: $(ip -n ${P}$h -br addr show dev hm0 | sed 's/fe80::[^ ]*//')"; done > $OUT/vips.txt
down; trap - EXIT
rm -f $OUT/*.pid
sed -i "s|$OUT|@RUN@|g" $OUT/*.log
