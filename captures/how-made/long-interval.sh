#!/bin/bash
# A master chain with 10 s adverts (keepalived 2.2.7, VRRPv2 PASS, VRID 70): A (191) starts and
# becomes master; B (192) starts at 35 s and preempts it; C (193) starts at 57 s and preempts B
# after B has advertised three times over 20 s. usage: long-interval.sh OUTDIR
set -u
OUT=$(realpath -m $1); P=vli$$; HERE=$(cd $(dirname $0) && pwd)
rm -rf $OUT; mkdir -p $OUT
source $HERE/lab.sh
trap lab_down EXIT
lab_up 3
for i in 1 2 3; do
  H=$(echo ABC | cut -c$i); PRIO=$((190 + i))
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
vrrp_instance VI_70 {
    interface eth0
    state BACKUP
    priority $PRIO
    virtual_router_id 70
    advert_int 10
    authentication {
        auth_type PASS
        auth_pass long70
    }
    virtual_ipaddress {
        172.16.25.70/16 dev eth0
    }
    notify_master "$OUT/notify-$H.sh master 172.16.25.70"
    notify_backup "$OUT/notify-$H.sh backup 172.16.25.70"
    notify_fault "$OUT/notify-$H.sh fault 172.16.25.70"
}
EOS
done
ip netns exec ${P}br tcpdump -i br0 -U -w $OUT/capture.pcap '(ip proto 112) or arp' 2>$OUT/tcpdump.err &
PIDS+=($!); TD=$!
sleep 1
T0=$(now)
ev() { echo "{\"t\": $(now), \"host\": \"$1\", \"address\": \"$2\", \"action\": \"$3\"}" >> $OUT/events.lines; }
ev A 172.16.25.1 start; ka_start 1 A $OUT
sleep 35
ev B 172.16.25.2 start; ka_start 2 B $OUT
sleep 22
ev C 172.16.25.3 start; ka_start 3 C $OUT
sleep 55
echo "{\"t\": $(now), \"action\": \"end\"}" >> $OUT/events.lines
for H in C B A; do ka_stop $H $OUT; done; sleep 1
kill $TD; wait $TD 2>/dev/null
{ echo "{\"captureStart\": $T0, \"events\": ["; paste -sd, $OUT/events.lines; echo "]}"; } > $OUT/events.json
rm -f $OUT/events.lines $OUT/*.pid
