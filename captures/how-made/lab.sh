#!/bin/bash
# Shared helpers for the recording scripts here (sourced, not run): N lab hosts in network
# namespaces joined by a bridge that lives in its own namespace; nothing touches the root
# namespace. Hosts are ${P}1..${P}N with eth0 at 172.16.25.i/16 and an IPv6 link-local address
# (DAD off, so it is usable at once). Processes started here are ended by PID in lab_down.
# LAB_NET, LAB_BASE and LAB_PLEN change the addresses: host i gets $LAB_NET.$((LAB_BASE+i))/$LAB_PLEN.
# usage: P=prefix; source lab.sh; lab_up N; ...; lab_down
lab_up() {
  local n=$1 i
  ip netns add ${P}br; ip -n ${P}br link add br0 type bridge; ip -n ${P}br link set br0 up
  for i in $(seq 1 $n); do
    ip netns add ${P}$i
    ip netns exec ${P}$i sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip -n ${P}br link add p$i type veth peer name eth0 netns ${P}$i
    ip -n ${P}br link set p$i master br0; ip -n ${P}br link set p$i up
    ip -n ${P}$i link set lo up
    ip -n ${P}$i addr add $(lab_addr $i)/${LAB_PLEN:-16} dev eth0
    ip -n ${P}$i link set eth0 up
  done
  sleep 0.5
}
lab_addr() { echo ${LAB_NET:-172.16.25}.$((${LAB_BASE:-0} + $1)); }
lab_v6() { ip -n ${P}$1 -6 addr show dev eth0 scope link | awk '/inet6/ {sub("/.*","",$2); print $2; exit}'; }
PIDS=()
lab_down() {
  local pid ns
  for pid in "${PIDS[@]}"; do kill -TERM $pid 2>/dev/null; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -KILL $pid 2>/dev/null; done
  for ns in $(ip netns list | awk '{print $1}' | grep "^${P}"); do ip netns del $ns; done
}
now() { date +%s.%N; }
# ka_start HOSTNUM NAME DIR: keepalived in the foreground of its namespace, logging to DIR/NAME.log
ka_start() {
  local i=$1 name=$2 dir=$3
  ip netns exec ${P}$i keepalived -n -l -D -P -f $dir/$name.conf -p $dir/$name.ka.pid -r $dir/$name.vrrp.pid \
     >>$dir/$name.log 2>&1 &
  PIDS+=($!); echo $! > $dir/$name.main.pid
}
ka_stop() { local pid=$(cat $2/$1.main.pid); kill -TERM $pid; wait $pid 2>/dev/null; }
ka_kill() { # SIGKILL keepalived's parent and its VRRP child, as a crash would
  local dir=$2; kill -KILL $(cat $dir/$1.vrrp.pid) $(cat $dir/$1.main.pid) 2>/dev/null; wait $(cat $dir/$1.main.pid) 2>/dev/null
}
