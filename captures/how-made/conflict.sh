#!/bin/bash
# Three keepalived hosts on one bridge share VRID 52 (VRRPv2, PASS, advert_int 1): .1 (priority
# 150) and .2 (100) with one auth_pass, .3 (50) with another, as when a second cluster reuses a
# VRID. With KILL_AT, H1 is killed (SIGKILL) that many seconds after the start, and the run goes
# on for SECONDS more. usage: conflict.sh OUTDIR [SECONDS [KILL_AT]]
set -u
OUT=$(realpath -m $1); SECS=${2:-20}; KILL_AT=${3:-}; P=vcf$$; HERE=$(cd $(dirname $0) && pwd)
rm -rf $OUT; mkdir -p $OUT
source $HERE/lab.sh
trap lab_down EXIT
lab_up 3
for i in 1 2 3; do
  H=H$i
  case $i in 1) PRIO=150; PASS=s3cret52;; 2) PRIO=100; PASS=s3cret52;; 3) PRIO=50; PASS=other-52;; esac
  cat > $OUT/notify-$H.sh <<EOS
#!/bin/sh
echo "\$(date +%s.%N) $H \$1 \$2" >> $OUT/notify.log
EOS
  chmod +x $OUT/notify-$H.sh
  cat > $OUT/$H.conf <<EOS
global_defs {
   router_id vrrplab_$H
   script_user root
   enable_script_security
}
vrrp_instance VI_52 {
    interface eth0
    state BACKUP
    priority $PRIO
    virtual_router_id 52
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass $PASS
    }
    virtual_ipaddress {
        172.16.25.52/16 dev eth0
    }
    notify_master "$OUT/notify-$H.sh master 172.16.25.52"
    notify_backup "$OUT/notify-$H.sh backup 172.16.25.52"
    notify_fault "$OUT/notify-$H.sh fault 172.16.25.52"
}
EOS
done
ip netns exec ${P}br tcpdump -i br0 -U -w $OUT/capture.pcap '(ip proto 112) or arp' 2>$OUT/tcpdump.err &
PIDS+=($!); TD=$!
sleep 1
T0=$(now)
ev() { echo "{\"t\": $(now), \"host\": \"$1\", \"address\": \"$2\", \"action\": \"$3\"}" >> $OUT/events.lines; }
for i in 1 2 3; do ev H$i 172.16.25.$i start; ka_start $i H$i $OUT; done
if [ -n "$KILL_AT" ]; then sleep $KILL_AT; ev H1 172.16.25.1 kill; ka_kill H1 $OUT; fi
sleep $SECS
echo "{\"t\": $(now), \"action\": \"end\"}" >> $OUT/events.lines
for i in 1 2 3; do [ -n "$KILL_AT" ] && [ $i = 1 ] && continue; ka_stop H$i $OUT; done; sleep 1
kill $TD; wait $TD 2>/dev/null
{ echo "{\"captureStart\": $T0, \"events\": ["; paste -sd, $OUT/events.lines; echo "]}"; } > $OUT/events.json
rm -f $OUT/events.lines $OUT/*.pid
