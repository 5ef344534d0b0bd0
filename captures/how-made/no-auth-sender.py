# Sends N VRRPv2 adverts (VRID 60, priority PRIO, auth type 0, addresses 172.16.25.60-62), one a
# second, from SRC out of eth0: MODE short leaves out the 8 auth bytes (IPv4 payload length 20),
# full has them. usage: python3 no-auth-sender.py SRC PRIO N MODE
import socket, struct, sys, time

def checksum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

src, prio, n, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
vrrp = bytes([0x21, 60, prio, 3, 0, 1, 0, 0]) + b''.join(socket.inet_aton(a) for a in ('172.16.25.60', '172.16.25.61', '172.16.25.62'))
if mode == 'full':
    vrrp += b'\0' * 8
vrrp = vrrp[:6] + struct.pack('!H', checksum(vrrp)) + vrrp[8:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'eth0\0')
for i in range(n):
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0xc0, 20 + len(vrrp), i, 0, 255, 112, 0, socket.inet_aton(src), socket.inet_aton('224.0.0.18'))
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    s.sendto(ip + vrrp, ('224.0.0.18', 0))
    time.sleep(1)
