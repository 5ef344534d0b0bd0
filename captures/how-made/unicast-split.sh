#!/bin/bash
# A split brain over unicast (keepalived 2.2.7, VRRPv3, VRID 40, advert_int 1): A (10.77.4.31,
# priority 101, a check script with weight -20) names B (10.77.4.32, 100) as its unicast_peer, but
# B names 10.77.4.13 (a typo for .31). A becomes master; when A's check fails (a flag file, at
# FAIL_AT s) A drops to 81, B stops accepting A's adverts as a master's and takes over, and B's own
# adverts go to an address nobody holds: A never hears them and both hold the VIP until the check
# passes again (at OK_AT s). tcpdump on the bridge sees everything.
# usage: unicast-split.sh OUTDIR [FAIL_AT [OK_AT [END_AT]]]
set -u
OUT=$(realpath -m $1); FAIL_AT=${2:-6}; OK_AT=${3:-28}; END_AT=${4:-32}; P=vus$$; HERE=$(cd $(dirname $0) && pwd)
rm -rf $OUT; mkdir -p $OUT
LAB_NET=10.77.4; LAB_BASE=30; LAB_PLEN=24
source $HERE/lab.sh
trap lab_down EXIT
lab_up 2
cat > $OUT/check-A.sh <<EOS
#!/bin/sh
[ ! -e $OUT/A.fail ]
EOS
chmod +x $OUT/check-A.sh
for H in A B; do
  case $H in A) PRIO=101; PEER=10.77.4.32;; B) PRIO=100; PEER=10.77.4.13;; esac
  cat > $OUT/notify-$H.sh <<EOS
#!/bin/sh
echo "\$(date +%s.%N) $H \$1 \$2" >> $OUT/notify.log
EOS
  chmod +x $OUT/notify-$H.sh
  {
  cat <<EOS
global_defs {
   router_id vrrplab_$H
   script_user root
   enable_script_security
}
EOS
  [ $H = A ] && cat <<EOS
vrrp_script chk_A {
    script "$OUT/check-A.sh"
    interval 1
    weight -20
}
EOS
  cat <<EOS
vrrp_instance VI_40 {
    interface eth0
    state BACKUP
    priority $PRIO
    virtual_router_id 40
    advert_int 1
    version 3
    unicast_peer {
        $PEER
    }
    virtual_ipaddress {
        10.77.4.40/24 dev eth0
    }
EOS
  [ $H = A ] && cat <<EOS
    track_script {
        chk_A
    }
EOS
  cat <<EOS
    notify_master "$OUT/notify-$H.sh master 10.77.4.40"
    notify_backup "$OUT/notify-$H.sh backup 10.77.4.40"
    notify_fault "$OUT/notify-$H.sh fault 10.77.4.40"
}
EOS
  } > $OUT/$H.conf
done
ip netns exec ${P}br tcpdump -i br0 -U -w $OUT/capture.pcap '(ip proto 112) or arp' 2>$OUT/tcpdump.err &
PIDS+=($!); TD=$!
sleep 1
T0=$(now)
ev() { echo "{\"t\": $(now), \"host\": \"$1\", \"address\": \"$2\", \"action\": \"$3\"}" >> $OUT/events.lines; }
ev A 10.77.4.31 start; ka_start 1 A $OUT
ev B 10.77.4.32 start; ka_start 2 B $OUT
sleep $FAIL_AT; ev A 10.77.4.31 check-fail; touch $OUT/A.fail
sleep $((OK_AT - FAIL_AT)); ev A 10.77.4.31 check-ok; rm -f $OUT/A.fail
sleep $((END_AT - OK_AT))
echo "{\"t\": $(now), \"action\": \"end\"}" >> $OUT/events.lines
ka_stop A $OUT; ka_stop B $OUT; sleep 1
kill $TD; wait $TD 2>/dev/null
{ echo "{\"captureStart\": $T0, \"events\": ["; paste -sd, $OUT/events.lines; echo "]}"; } > $OUT/events.json
rm -f $OUT/events.lines $OUT/*.pid
