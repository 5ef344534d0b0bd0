#!/bin/bash
# Two keepalived clusters share VRID 51 on one bridge (keepalived 2.2.7, VRRPv2 PASS, advert_int
# 1): X is H1 (172.16.25.1, priority 150) and H2 (.2, 100) with auth_pass x-51 and VIP
# 172.16.25.51; Y is H3 (.3, 120) and H4 (.4, 80) with auth_pass y-51 and VIP 172.16.25.151.
# All start at once; H1 is stopped (SIGTERM) at 15 s and started again at 30 s (it preempts H2);
# H3 is killed (SIGKILL) at 40 s; the run ends at 60 s. With VERSION 3 the instances say
# `version 3` (keepalived then ignores auth_pass: the clusters differ by their VIPs only).
# usage: shared-vrid.sh OUTDIR [VERSION]
set -u
OUT=$(realpath -m $1); VERSION=${2:-2}; P=vsv$$; HERE=$(cd $(dirname $0) && pwd)
V3=''; [ $VERSION = 3 ] && V3=$'\n    version 3'
rm -rf $OUT; mkdir -p $OUT
source $HERE/lab.sh
trap lab_down EXIT
lab_up 4
for i in 1 2 3 4; do
  H=H$i
  case $i in
    1) PRIO=150; PASS=x-51; VIP=172.16.25.51;; 2) PRIO=100; PASS=x-51; VIP=172.16.25.51;;
    3) PRIO=120; PASS=y-51; VIP=172.16.25.151;; 4) PRIO=80; PASS=y-51; VIP=172.16.25.151;;
  esac
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
vrrp_instance VI_51 {
    interface eth0
    state BACKUP
    priority $PRIO
    virtual_router_id 51
    advert_int 1$V3
    authentication {
        auth_type PASS
        auth_pass $PASS
    }
    virtual_ipaddress {
        $VIP/16 dev eth0
    }
    notify_master "$OUT/notify-$H.sh master $VIP"
    notify_backup "$OUT/notify-$H.sh backup $VIP"
    notify_fault "$OUT/notify-$H.sh fault $VIP"
}
EOS
done
ip netns exec ${P}br tcpdump -i br0 -U -w $OUT/capture.pcap '(ip proto 112) or arp' 2>$OUT/tcpdump.err &
PIDS+=($!); TD=$!
sleep 1
T0=$(now)
ev() { echo "{\"t\": $(now), \"host\": \"$1\", \"address\": \"$2\", \"action\": \"$3\"}" >> $OUT/events.lines; }
for i in 1 2 3 4; do ev H$i 172.16.25.$i start; ka_start $i H$i $OUT; done
sleep 15; ev H1 172.16.25.1 stop; ka_stop H1 $OUT
sleep 15; ev H1 172.16.25.1 start; ka_start 1 H1 $OUT
sleep 10; ev H3 172.16.25.3 kill; ka_kill H3 $OUT
sleep 20
echo "{\"t\": $(now), \"action\": \"end\"}" >> $OUT/events.lines
for i in 1 2 4; do ka_stop H$i $OUT; done; sleep 1
kill $TD; wait $TD 2>/dev/null
{ echo "{\"captureStart\": $T0, \"events\": ["; paste -sd, $OUT/events.lines; echo "]}"; } > $OUT/events.json
rm -f $OUT/events.lines $OUT/*.pid
