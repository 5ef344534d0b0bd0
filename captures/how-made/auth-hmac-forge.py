# Forges VRRPv2 adverts with an auth_hmac trailer signed by KEY (captures/how-made/auth-hmac-forged.sh):
# SRC KEY PRIORITY COUNT GAP_SECONDS, to 224.0.0.18 from SRC, VRID 51, VIP 172.16.25.100, key id 1.
import socket, struct, time, hmac, hashlib, sys
src, key, prio, count, gap = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return (~s)&0xffff
s=socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
s.bind((src,0))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
ctr=0
for i in range(count):
    pdu=bytearray(struct.pack('!BBBBBBH',0x21,51,prio,1,0,1,0)+socket.inet_aton('172.16.25.100')+b'\0'*8)
    c=csum(bytes(pdu)); pdu[6:8]=struct.pack('!H',c)
    now=time.time(); sec=int(now); sub=int((now-sec)*65536); ctr+=1
    tr=struct.pack('!BBHIHH',1,1,0,sec,sub,ctr)
    pseudo=bytes([4,2,51,0])+socket.inet_aton(src)+b'\0'*12
    m=pseudo+bytes(pdu[:6])+b'\0\0'+bytes(pdu[8:])+tr+b'\0'*16
    d=hmac.new(key,m,hashlib.sha256).digest()[:16]
    s.sendto(bytes(pdu)+tr+d,('224.0.0.18',0))
    time.sleep(gap)
