#!/bin/bash
# captures/auth-hmac/forged: keepalived 2.4.3 MASTER (auth_hmac enforce) fed forged adverts (right key
# id, wrong key) 1.01 s apart from a second namespace. Usage: OUT=DIR auth-hmac-forged.sh (root;
# KA=path of the 2.4.3 binary). Namespaces hmx-a-PID/hmx-b-PID, removed at the end.
set -u
A=hmx-a-$$; B=hmx-b-$$; D=${OUT:-/tmp/hmaclab/run-$$}; mkdir -p $D
KA=${KA:-/var/cache/vrrplab-lab/keepalived-2.4.3/sbin/keepalived}
HERE=$(cd "$(dirname "$0")" && pwd)
cleanup() {
  [ -n "${KP:-}" ] && kill $KP 2>/dev/null && wait $KP; sleep 0.3
  [ -n "${TP:-}" ] && kill -INT $TP 2>/dev/null && wait $TP; ip netns del $A; ip netns del $B
  [ -f $D/cap.pcap ] && mv $D/cap.pcap $D/capture.pcap; [ -f $D/A.log ] && sed -i "s|$D|@RUN@|g" $D/A.log; echo "dir $D"
}
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip netns exec $A ip link add eth0 type veth peer name eth0 netns $B
ip netns exec $A ip addr add 172.16.25.1/24 dev eth0; ip netns exec $A ip link set eth0 up; ip netns exec $A ip link set lo up
ip netns exec $B ip addr add 172.16.25.2/24 dev eth0; ip netns exec $B ip link set eth0 up; ip netns exec $B ip link set lo up
cat > $D/A.conf <<EOC
global_defs {
  router_id hmx
}
vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority 100
  virtual_router_id 51
  advert_int 1
  auth_hmac {
    key 1 vrrplab-auth-hmac-key-one-0123456789
    active_key 1
  }
  virtual_ipaddress {
    172.16.25.100/24 dev eth0
  }
}
EOC
ip netns exec $A tcpdump -U -n -i eth0 -w $D/cap.pcap 'ip proto 112' 2>/dev/null & TP=$!
ip netns exec $A $KA -n -l -D -f $D/A.conf -p $D/A.pid -r $D/A.vrrp.pid > $D/A.log 2>&1 & KP=$!
sleep 5
ip netns exec $B python3 $HERE/auth-hmac-forge.py 172.16.25.2 ${KEY:-wrong-key-wrong-key-wrong-key-wrong} ${PRIO:-200} 5 1.01
sleep 2
