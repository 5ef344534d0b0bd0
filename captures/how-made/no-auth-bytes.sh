#!/bin/bash
# keepalived 2.2.7 (K, 172.16.25.2: VRRPv2, VRID 60, no authentication, priority 100, three VIPs)
# beside a sender of priority-200 adverts for the same VRID and addresses (172.16.25.1,
# no-auth-sender.py, 9 adverts a second apart): MODE short leaves out their 8 auth bytes (IPv4
# payload length 20 with three addresses), full has them. tcpdump on the bridge.
# usage: no-auth-bytes.sh OUTDIR [short|full]
set -u
OUT=$(realpath -m $1); MODE=${2:-short}; P=vna$$; HERE=$(cd $(dirname $0) && pwd)
rm -rf $OUT; mkdir -p $OUT
source $HERE/lab.sh
trap lab_down EXIT
lab_up 2
cat > $OUT/K.conf <<EOS
global_defs {
   router_id vrrplab_K
}
vrrp_instance VI_60 {
    interface eth0
    state BACKUP
    priority 100
    virtual_router_id 60
    advert_int 1
    virtual_ipaddress {
        172.16.25.60/16 dev eth0
        172.16.25.61/16 dev eth0
        172.16.25.62/16 dev eth0
    }
}
EOS
ip netns exec ${P}br tcpdump -i br0 -U -w $OUT/capture.pcap '(ip proto 112) or arp' 2>$OUT/tcpdump.err &
PIDS+=($!); TD=$!
sleep 1
ip netns exec ${P}1 python3 $HERE/no-auth-sender.py 172.16.25.1 200 9 $MODE &
PIDS+=($!); SP=$!
sleep 0.3
ka_start 2 K $OUT
wait $SP
sleep 1
ka_stop K $OUT; sleep 0.5
kill $TD; wait $TD 2>/dev/null
rm -f $OUT/*.pid $OUT/tcpdump.err
sed -i "s|$OUT|@RUN@|g" $OUT/K.log
