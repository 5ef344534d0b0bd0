#!/bin/bash
# A VRRPv3/IPv6 pair of keepalived hosts (VIP fd00::100/64), the master killed (SIGKILL) and
# restarted. usage: v3-ipv6-kill.sh OUTDIR
set -u
OUT=$(realpath -m $1); P=v6k$$; HERE=$(cd $(dirname $0) && pwd)
rm -rf $OUT; mkdir -p $OUT
source $HERE/lab.sh
trap lab_down EXIT
lab_up 2
for H in A B; do
  # notify-H.sh STATE VIP: one line per run, "epoch H STATE VIP", as in the seed recordings
  cat > $OUT/notify-$H.sh <<EOS
#!/bin/sh
echo "\$(date +%s.%N) $H \$1 \$2" >> $OUT/notify.log
EOS
  chmod +x $OUT/notify-$H.sh
  if [ $H = A ]; then PRIO=150; else PRIO=100; fi
  cat > $OUT/$H.conf <<EOS
global_defs {
   router_id vrrplab_$H
   script_user root
   enable_script_security
}
vrrp_instance VI_6 {
    interface eth0
    state BACKUP
    version 3
    priority $PRIO
    virtual_router_id 60
    advert_int 1
    virtual_ipaddress {
        fd00::100/64 dev eth0
    }
    notify_master "$OUT/notify-$H.sh master fd00::100"
    notify_backup "$OUT/notify-$H.sh backup fd00::100"
    notify_fault "$OUT/notify-$H.sh fault fd00::100"
}
EOS
done
A6=$(lab_v6 1); B6=$(lab_v6 2)
ip netns exec ${P}br tcpdump -i br0 -U -w $OUT/capture.pcap '(ip6 proto 112) or (ip proto 112) or arp' 2>$OUT/tcpdump.err &
PIDS+=($!); TD=$!
sleep 1
T0=$(now)
ev() { echo "{\"t\": $(now), \"host\": \"$1\", \"address\": \"$2\", \"addresses\": [\"$2\", \"$3\"], \"action\": \"$4\"}" >> $OUT/events.lines; }
ev A 172.16.25.1 $A6 start; ka_start 1 A $OUT
ev B 172.16.25.2 $B6 start; ka_start 2 B $OUT
sleep 10
ev A 172.16.25.1 $A6 kill; ka_kill A $OUT
sleep 6
ev A 172.16.25.1 $A6 start; ka_start 1 A $OUT
sleep 10
echo "{\"t\": $(now), \"action\": \"end\"}" >> $OUT/events.lines
ka_stop A $OUT; ka_stop B $OUT; sleep 1
kill $TD; wait $TD 2>/dev/null
{ echo "{\"captureStart\": $T0, \"events\": ["; paste -sd, $OUT/events.lines; echo "]}"; } > $OUT/events.json
rm -f $OUT/events.lines $OUT/*.pid
echo "A $A6 B $B6"
