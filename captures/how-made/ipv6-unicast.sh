#!/bin/bash
# An IPv6-only VRRPv3 pair over unicast (issue 23): A fd44::a (priority 150) and B fd44::b (100),
# VRID 60, advert_int 1, VIP fd44::100/64, each with unicast_src_ip and the other as unicast_peer.
# B starts alone and becomes MASTER; A starts 4.5 s later and preempts it; A is stopped (SIGTERM,
# priority 0) 7 s after its start and B takes over again; B is stopped 4 s later. Both keepalived
# 2.2.7 by default; KIND_A=vrrplab puts `vrrplab run` (dist/cli/main.js) in A's place.
# VARIANT=version2: the same run over multicast, each instance configured `version 2` before its
# IPv6 VIPs (fe80::61, fd44::61/64; VRID 61): keepalived 2.2.7 sends VRRPv2 headers over IPv6.
# tcpdump on the bridge: 'ip6 proto 112 or icmp6' (adverts, neighbour adverts, and the ICMPv6
# errors a stopped host's kernel answers adverts with). usage: ipv6-unicast.sh OUTDIR
set -u
OUT=$(realpath -m $1); P=vv6$$; HERE=$(cd $(dirname $0) && pwd); KIND_A=${KIND_A:-keepalived}
rm -rf $OUT; mkdir -p $OUT
source $HERE/lab.sh
trap lab_down EXIT
lab_up 2
ip -n ${P}1 -6 addr add fd44::a/64 dev eth0 nodad
ip -n ${P}2 -6 addr add fd44::b/64 dev eth0 nodad
conf() { # NAME SRC PEER PRIORITY
  cat > $OUT/$1.conf <<EOS
global_defs {
   router_id vrrplab_$1
}
vrrp_instance V6 {
    interface eth0
    state BACKUP
    version 3
    priority $4
    virtual_router_id 60
    advert_int 1
    unicast_src_ip $2
    unicast_peer {
        $3
    }
    virtual_ipaddress {
        fd44::100/64
    }
}
EOS
}
if [ "${VARIANT:-}" = version2 ]; then
conf() { # NAME SRC PEER PRIORITY
  cat > $OUT/$1.conf <<EOS
global_defs {
   router_id vrrplab_$1
}
vrrp_instance V6 {
    interface eth0
    state BACKUP
    version 2
    priority $4
    virtual_router_id 61
    advert_int 1
    virtual_ipaddress {
        fe80::61
        fd44::61/64
    }
}
EOS
}
fi
conf A fd44::a fd44::b 150
conf B fd44::b fd44::a 100
ip netns exec ${P}br tcpdump -i br0 -U -w $OUT/capture.pcap 'ip6 proto 112 or icmp6' 2>$OUT/tcpdump.err &
PIDS+=($!); TD=$!
sleep 1
T0=$(now)
ev() { echo "{\"t\": $(now), \"host\": \"$1\", \"address6\": \"$2\", \"action\": \"$3\"}" >> $OUT/events.lines; }
A6=fd44::a; B6=fd44::b
# Multicast adverts come from the link-local addresses: the events name those.
if [ "${VARIANT:-}" = version2 ]; then A6=$(lab_v6 1); B6=$(lab_v6 2); fi
ev B $B6 start; ka_start 2 B $OUT
sleep 4.5
ev A $A6 start
if [ $KIND_A = vrrplab ]; then
  ip netns exec ${P}1 node $HERE/../../dist/cli/main.js run -n -l -D -P -f $OUT/A.conf -p $OUT/A.ka.pid -r $OUT/A.vrrp.pid >>$OUT/A.log 2>&1 &
  PIDS+=($!); echo $! > $OUT/A.main.pid
else
  ka_start 1 A $OUT
fi
sleep 7
ev A $A6 stop; ka_stop A $OUT
sleep 4
ev B $B6 stop; ka_stop B $OUT
echo "{\"t\": $(now), \"action\": \"end\"}" >> $OUT/events.lines
sleep 0.5
kill $TD; wait $TD 2>/dev/null
{ echo "{\"captureStart\": $T0, \"events\": ["; paste -sd, $OUT/events.lines; echo "]}"; } > $OUT/events.json
rm -f $OUT/events.lines $OUT/*.pid $OUT/tcpdump.err
ROOT=$(cd $HERE/../.. && pwd)
sed -i "s|$OUT|@RUN@|g; s|$ROOT|@REPO@|g" $OUT/*.log
