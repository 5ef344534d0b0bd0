/*
 * vrrp_socket: the one native piece of `vrrplab run` (see native-notes/README.md).
 *
 * raw-socket reads with recvfrom() and writes when the event loop next polls the socket. VRRP
 * needs three things that does not give:
 *  - the kernel's receive time of an advert (SO_TIMESTAMPNS): a backup's Master_Down timer runs
 *    from it, so how long Node takes to wake up and reach JS no longer delays a takeover;
 *  - the IPv6 hop limit and destination of a received advert (IPV6_HOPLIMIT, IPV6_PKTINFO):
 *    RFC 5798 5.1.2.3 and 7.1 require dropping an advert whose hop limit is not 255;
 *  - a sendto() at the moment the runtime calls send, not one loop turn later.
 *
 * It also opens the AF_PACKET socket a gratuitous ARP needs (keepalived's vrrp_arp.c writes the
 * whole Ethernet frame) and the rtnetlink socket VIPs are added and removed on (keepalived's
 * vrrp_ipaddress.c): before, each was an `arping` or `ip` child process.
 *
 * The module is deliberately small: open a raw socket, set options (levels and values come from
 * JS, as with raw-socket), read every queued datagram when the socket is readable, send, close.
 * It uses Node-API only (no C++ wrapper library), so it builds against any Node >= 20.
 */
/* struct in6_pktinfo (RFC 3542) is behind _GNU_SOURCE in glibc. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define MAX_PACKET 4096
/* Datagrams read per readable event before going back to the loop (others wait one turn). */
#define MAX_READS_PER_EVENT 64

/* family: 4 or 6 (raw IP), FAMILY_PACKET (a send-only AF_PACKET socket bound to one interface)
   or FAMILY_NETLINK (NETLINK_ROUTE, requests to the kernel) */
#define FAMILY_PACKET 17
#define FAMILY_NETLINK 16

typedef struct {
  napi_env env;
  int fd;
  int family;
  uv_poll_t poll;
  int polling;
  int closed;
  int poll_closed;
  int finalized;
  napi_ref callback;
  napi_async_context async_context;
  /* startBatch: datagrams are read into the JS buffers below (kept alive by their references)
     and handed over as a count, one call per wake-up. */
  napi_ref data_ref, meta_ref;
  unsigned char* data;
  unsigned char* meta;
  unsigned slots;
  /* startBatch's hold (capture sockets, `vrrplab watch -i`): after a wake-up that read something,
     the socket is not polled again for hold_ms; a timer drains what came meanwhile. 0: off. */
  unsigned hold_ms;
  uv_timer_t timer;
  int timer_started;
  int timer_closed;
} vrrp_socket;

static napi_value throw_errno(napi_env env, const char* what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  napi_create_string_utf8(env, err == EAGAIN ? "EAGAIN" : "ESYSCALL", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_value number;
  napi_create_int32(env, err, &number);
  napi_set_named_property(env, error, "errno", number);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static void free_if_done(vrrp_socket* s) {
  if (s->finalized && (!s->polling || s->poll_closed) && (!s->timer_started || s->timer_closed)) free(s);
}

static void on_timer_closed(uv_handle_t* handle) {
  vrrp_socket* s = handle->data;
  s->timer_closed = 1;
  free_if_done(s);
}

static void on_poll_closed(uv_handle_t* handle) {
  vrrp_socket* s = handle->data;
  s->poll_closed = 1;
  free_if_done(s);
}

static void drop_scheduled(int fd);

static void close_socket(vrrp_socket* s) {
  if (s->closed) return;
  s->closed = 1;
  drop_scheduled(s->fd);
  if (s->polling) {
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t*)&s->poll, on_poll_closed);
  }
  if (s->timer_started) {
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t*)&s->timer, on_timer_closed);
  }
  if (s->callback) {
    napi_delete_reference(s->env, s->callback);
    s->callback = NULL;
  }
  if (s->async_context) {
    napi_async_destroy(s->env, s->async_context);
    s->async_context = NULL;
  }
  if (s->data_ref) {
    napi_delete_reference(s->env, s->data_ref);
    s->data_ref = NULL;
  }
  if (s->meta_ref) {
    napi_delete_reference(s->env, s->meta_ref);
    s->meta_ref = NULL;
  }
  s->data = s->meta = NULL;
  close(s->fd);
}

static void finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  vrrp_socket* s = data;
  close_socket(s);
  s->finalized = 1;
  free_if_done(s);
}

static vrrp_socket* unwrap(napi_env env, napi_value object) {
  void* data = NULL;
  if (napi_unwrap(env, object, &data) != napi_ok || data == NULL) {
    throw_type(env, "not a vrrp_socket");
    return NULL;
  }
  return data;
}

static napi_value wrap_socket(napi_env env, int fd, int family) {
  vrrp_socket* s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return throw_errno(env, "calloc", ENOMEM);
  }
  s->env = env;
  s->fd = fd;
  s->family = family;
  napi_value object;
  napi_create_object(env, &object);
  if (napi_wrap(env, object, s, finalize, NULL, NULL) != napi_ok) {
    close(fd);
    free(s);
    return throw_type(env, "napi_wrap failed");
  }
  return object;
}

/* Binds the socket and wraps it, or closes it and throws. */
static napi_value bind_and_wrap(napi_env env, int fd, const struct sockaddr* address, socklen_t length, int family) {
  if (bind(fd, address, length) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  return wrap_socket(env, fd, family);
}

/* open(family: 4 | 6, protocol: number): socket object */
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t family = 0, protocol = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &family) != napi_ok || napi_get_value_int32(env, argv[1], &protocol) != napi_ok)
    return throw_type(env, "open(family, protocol)");
  if (family != 4 && family != 6) return throw_type(env, "family must be 4 or 6");
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int on = 1;
  /* Every datagram carries the kernel's receive time; IPv6 ones also their hop limit and destination. */
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  if (family == 6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
  }
  return wrap_socket(env, fd, family);
}

/*
 * openPacket(ifindex, protocol = 0): a raw AF_PACKET socket bound to one interface, for writing
 * whole Ethernet frames (gratuitous ARP). Protocol 0: it receives nothing (packet(7)). An
 * Ethernet protocol (ETH_P_ALL, 3, for `vrrplab watch -i`): it receives every frame of that
 * protocol on the interface, with its kernel receive time (startBatch reads it).
 */
static napi_value open_packet(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t ifindex = 0, protocol = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &ifindex) != napi_ok) return throw_type(env, "openPacket(ifindex, protocol)");
  if (argc >= 2 && napi_get_value_int32(env, argv[1], &protocol) != napi_ok) return throw_type(env, "openPacket(ifindex, protocol)");
  if (protocol < 0 || protocol > 0xffff) return throw_type(env, "openPacket: protocol must be 0..65535");
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons((uint16_t)protocol));
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (protocol != 0) {
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    /* Each frame says how many the kernel dropped on this socket so far (receive buffer full). */
    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  }
  struct sockaddr_ll link;
  memset(&link, 0, sizeof link);
  link.sll_family = AF_PACKET;
  link.sll_protocol = htons((uint16_t)protocol);
  link.sll_ifindex = ifindex;
  return bind_and_wrap(env, fd, (struct sockaddr*)&link, sizeof link, FAMILY_PACKET);
}

/*
 * openNetlink(groups, protocol = NETLINK_ROUTE): a netlink socket; send() goes to the kernel,
 * start() reads its answers and, for the multicast groups given (RTMGRP_* bits, 0 for none), its
 * notifications. protocol NETLINK_CONNECTOR (11) with group CN_IDX_PROC (1) is the kernel's
 * process events, as keepalived's track_process reads them (core/track_process.c).
 */
static napi_value open_netlink(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t groups = 0, protocol = NETLINK_ROUTE;
  if (argc >= 1 && napi_get_value_uint32(env, argv[0], &groups) != napi_ok) return throw_type(env, "openNetlink(groups, protocol)");
  if (argc >= 2 && napi_get_value_uint32(env, argv[1], &protocol) != napi_ok) return throw_type(env, "openNetlink(groups, protocol)");
  if (protocol != NETLINK_ROUTE && protocol != NETLINK_CONNECTOR) return throw_type(env, "openNetlink: protocol NETLINK_ROUTE (0) or NETLINK_CONNECTOR (11)");
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, (int)protocol);
  if (fd < 0) return throw_errno(env, "socket", errno);
  struct sockaddr_nl local;
  memset(&local, 0, sizeof local);
  local.nl_family = AF_NETLINK;
  local.nl_groups = groups;
  return bind_and_wrap(env, fd, (struct sockaddr*)&local, sizeof local, FAMILY_NETLINK);
}

/* setOption(socket, level, option, value: Buffer) */
static napi_value set_option(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return throw_type(env, "setOption(socket, level, option, value)");
  vrrp_socket* s = unwrap(env, argv[0]);
  if (!s) return NULL;
  int32_t level = 0, option = 0;
  void* data = NULL;
  size_t length = 0;
  if (napi_get_value_int32(env, argv[1], &level) != napi_ok || napi_get_value_int32(env, argv[2], &option) != napi_ok ||
      napi_get_buffer_info(env, argv[3], &data, &length) != napi_ok)
    return throw_type(env, "setOption(socket, level: number, option: number, value: Buffer)");
  if (s->closed) return throw_errno(env, "setsockopt", EBADF);
  if (setsockopt(s->fd, level, option, data, (socklen_t)length) != 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

/*
 * setFilter(socket, program: Buffer): attaches a classic BPF program (SO_ATTACH_FILTER): the
 * buffer holds struct sock_filter entries, 8 bytes each in host byte order (u16 code, u8 jt,
 * u8 jf, u32 k). The program is data built in JS (src/watch/filter.ts); this only wraps it in
 * the struct sock_fprog setOption cannot pass (it holds a pointer). The kernel checks it.
 */
static napi_value set_filter(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_type(env, "setFilter(socket, program)");
  vrrp_socket* s = unwrap(env, argv[0]);
  if (!s) return NULL;
  void* data = NULL;
  size_t length = 0;
  if (napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok || length == 0 || length % sizeof(struct sock_filter) != 0 ||
      length / sizeof(struct sock_filter) > BPF_MAXINSNS)
    return throw_type(env, "setFilter(socket, program: Buffer of 8-byte struct sock_filter, 1..4096 of them)");
  if (s->closed) return throw_errno(env, "setsockopt", EBADF);
  struct sock_filter* copy = malloc(length);
  if (!copy) return throw_errno(env, "malloc", ENOMEM);
  memcpy(copy, data, length);
  struct sock_fprog program = {(unsigned short)(length / sizeof(struct sock_filter)), copy};
  int rc = setsockopt(s->fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program);
  int err = errno;
  free(copy);
  if (rc != 0) return throw_errno(env, "setsockopt(SO_ATTACH_FILTER)", err);
  return NULL;
}

/* A CLOCK_REALTIME kernel time stamp moved onto CLOCK_MONOTONIC (the clock of process.hrtime). */
static double monotonic_ns(const struct timespec* stamp) {
  struct timespec real, mono;
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  double age = (double)(real.tv_sec - stamp->tv_sec) * 1e9 + (double)(real.tv_nsec - stamp->tv_nsec);
  return (double)mono.tv_sec * 1e9 + (double)mono.tv_nsec - age;
}

/*
 * The JS callback: (error: string | null, packet, source, destination, hopLimit, receivedNs).
 * destination and hopLimit are "" and -1 where the kernel gave none (IPv4: they are in the
 * header); receivedNs is the kernel's receive time on CLOCK_MONOTONIC (-1 without a time stamp):
 * the wall clock is only read to move the stamp over, so a step of it changes nothing but that.
 */
static void deliver(vrrp_socket* s, napi_value* argv, size_t argc) {
  napi_env env = s->env;
  napi_value callback, receiver, result;
  if (!s->callback || napi_get_reference_value(env, s->callback, &callback) != napi_ok || callback == NULL) return;
  napi_get_global(env, &receiver); /* napi_make_callback wants an object as `this` */
  napi_status status = napi_make_callback(env, s->async_context, receiver, callback, argc, argv, &result);
  if (status == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
}

static void on_readable(uv_poll_t* handle, int status, int events) {
  (void)events;
  vrrp_socket* s = handle->data;
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value null_value, argv[6];
  napi_get_null(env, &null_value);
  if (status < 0) {
    napi_create_string_utf8(env, uv_strerror(status), NAPI_AUTO_LENGTH, &argv[0]);
    deliver(s, argv, 1);
    napi_close_handle_scope(env, scope);
    return;
  }
  for (int n = 0; n < MAX_READS_PER_EVENT && !s->closed; n++) {
    unsigned char packet[MAX_PACKET];
    union {
      struct cmsghdr align;
      char buffer[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
    } control;
    struct sockaddr_storage from;
    struct iovec iov = {packet, sizeof packet};
    struct msghdr message = {0};
    message.msg_name = &from;
    message.msg_namelen = sizeof from;
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.buffer;
    message.msg_controllen = sizeof control.buffer;
    ssize_t length = recvmsg(s->fd, &message, MSG_DONTWAIT);
    if (length < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        napi_create_string_utf8(env, strerror(errno), NAPI_AUTO_LENGTH, &argv[0]);
        deliver(s, argv, 1);
      }
      break;
    }
    double received = -1;
    int hop_limit = -1;
    char source[INET6_ADDRSTRLEN] = "", destination[INET6_ADDRSTRLEN] = "";
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&message); c != NULL; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        struct timespec stamp;
        memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
        received = monotonic_ns(&stamp);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        struct in6_pktinfo info;
        memcpy(&info, CMSG_DATA(c), sizeof info);
        inet_ntop(AF_INET6, &info.ipi6_addr, destination, sizeof destination);
      }
    }
    if (from.ss_family == AF_INET)
      inet_ntop(AF_INET, &((struct sockaddr_in*)&from)->sin_addr, source, sizeof source);
    else if (from.ss_family == AF_INET6)
      inet_ntop(AF_INET6, &((struct sockaddr_in6*)&from)->sin6_addr, source, sizeof source);
    argv[0] = null_value;
    napi_create_buffer_copy(env, (size_t)length, packet, NULL, &argv[1]);
    napi_create_string_utf8(env, source, NAPI_AUTO_LENGTH, &argv[2]);
    napi_create_string_utf8(env, destination, NAPI_AUTO_LENGTH, &argv[3]);
    napi_create_int32(env, hop_limit, &argv[4]);
    napi_create_double(env, received, &argv[5]);
    deliver(s, argv, 6);
  }
  napi_close_handle_scope(env, scope);
}

/*
 * Batched reads (startBatch): one recvmmsg() per wake-up takes up to `slots` datagrams straight
 * into a JS Buffer (slot i at i * MAX_PACKET) and writes what the kernel said of each into a
 * second one, META_RECORD bytes per datagram, host byte order:
 *    0 double  kernel receive time on CLOCK_MONOTONIC, ns (-1: none)
 *    8 uint32  offset of the datagram in the data buffer
 *   12 uint32  its length
 *   16 int32   IPv6 hop limit (-1: none)
 *   20 int32   1 when the destination below is set (IPv6 IPV6_PKTINFO)
 *   24 16 B    source address (IPv4: the first 4 bytes)
 *   40 16 B    destination address
 *   56 uint32  frames the kernel dropped on this socket so far (SO_RXQ_OVFL; packet sockets; 0: none)
 * then calls back once with (null, count). No Buffer, string or number object per datagram:
 * the JS side reads both buffers in place before returning, and the next wake-up reuses them.
 */
#define META_RECORD 64
#define MAX_BATCH 64

/* Reads one recvmmsg() worth into the buffers and fills the records. Returns the count (0: none
   queued), or -1 after handing a read error to JS. */
static int read_batch(vrrp_socket* s) {
  napi_env env = s->env;
  napi_value argv[1];
  unsigned slots = s->slots < MAX_BATCH ? s->slots : MAX_BATCH;
  struct mmsghdr messages[MAX_BATCH];
  struct iovec iovs[MAX_BATCH];
  struct sockaddr_storage froms[MAX_BATCH];
  union {
    struct cmsghdr align;
    char buffer[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(uint32_t)) + 64];
  } controls[MAX_BATCH];
  memset(messages, 0, sizeof(struct mmsghdr) * slots);
  for (unsigned i = 0; i < slots; i++) {
    iovs[i].iov_base = s->data + (size_t)i * MAX_PACKET;
    iovs[i].iov_len = MAX_PACKET;
    messages[i].msg_hdr.msg_name = &froms[i];
    messages[i].msg_hdr.msg_namelen = sizeof froms[i];
    messages[i].msg_hdr.msg_iov = &iovs[i];
    messages[i].msg_hdr.msg_iovlen = 1;
    messages[i].msg_hdr.msg_control = controls[i].buffer;
    messages[i].msg_hdr.msg_controllen = sizeof controls[i].buffer;
  }
  int count;
  do count = recvmmsg(s->fd, messages, slots, MSG_DONTWAIT, NULL);
  while (count < 0 && errno == EINTR);
  if (count < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    napi_create_string_utf8(env, strerror(errno), NAPI_AUTO_LENGTH, &argv[0]);
    deliver(s, argv, 1);
    return -1;
  }
  /* The stamps are CLOCK_REALTIME: moved onto CLOCK_MONOTONIC with one reading of each clock. */
  struct timespec real, mono;
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  double shift = (double)(mono.tv_sec - real.tv_sec) * 1e9 + (double)(mono.tv_nsec - real.tv_nsec);
  for (int i = 0; i < count; i++) {
    unsigned char* record = s->meta + (size_t)i * META_RECORD;
    struct msghdr* message = &messages[i].msg_hdr;
    double received = -1;
    int32_t hop_limit = -1, has_destination = 0;
    uint32_t offset = (uint32_t)i * MAX_PACKET, length = messages[i].msg_len, dropped = 0;
    memset(record + 24, 0, 32);
    for (struct cmsghdr* c = CMSG_FIRSTHDR(message); c != NULL; c = CMSG_NXTHDR(message, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        struct timespec stamp;
        memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
        received = (double)stamp.tv_sec * 1e9 + (double)stamp.tv_nsec + shift;
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        memcpy(&dropped, CMSG_DATA(c), sizeof dropped);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        struct in6_pktinfo info;
        memcpy(&info, CMSG_DATA(c), sizeof info);
        memcpy(record + 40, &info.ipi6_addr, 16);
        has_destination = 1;
      }
    }
    if (froms[i].ss_family == AF_INET)
      memcpy(record + 24, &((struct sockaddr_in*)&froms[i])->sin_addr, 4);
    else if (froms[i].ss_family == AF_INET6)
      memcpy(record + 24, &((struct sockaddr_in6*)&froms[i])->sin6_addr, 16);
    memcpy(record, &received, sizeof received);
    memcpy(record + 8, &offset, 4);
    memcpy(record + 12, &length, 4);
    memcpy(record + 16, &hop_limit, 4);
    memcpy(record + 20, &has_destination, 4);
    memcpy(record + 56, &dropped, 4);
  }
  return count;
}

/* Hands a batch of `count` to JS: one call. */
static void deliver_count(vrrp_socket* s, int count) {
  napi_value argv[2];
  napi_get_null(s->env, &argv[0]);
  napi_create_int32(s->env, count, &argv[1]);
  deliver(s, argv, 2);
}

/* With a hold: everything queued, a batch (one JS call) per full recvmmsg, at most HOLD_ROUNDS of
   them (the rest waits for the next drain). Returns the datagrams read. */
#define HOLD_ROUNDS 16
static int drain(vrrp_socket* s) {
  int total = 0;
  for (int round = 0; round < HOLD_ROUNDS && !s->closed; round++) {
    int count = read_batch(s);
    if (count <= 0) break;
    total += count;
    deliver_count(s, count);
    if ((unsigned)count < s->slots) break;
  }
  return total;
}

static void on_readable_batch(uv_poll_t* handle, int status, int events);

/* The hold's timer: drain, and hold again while frames keep coming; back to polling when none came. */
static void on_hold_timer(uv_timer_t* timer) {
  vrrp_socket* s = timer->data;
  if (s->closed) return;
  napi_handle_scope scope;
  napi_open_handle_scope(s->env, &scope);
  int read = drain(s);
  if (!s->closed) {
    if (read > 0) {
      uv_timer_start(&s->timer, on_hold_timer, s->hold_ms, 0);
    } else {
      uv_poll_start(&s->poll, UV_READABLE, on_readable_batch);
    }
  }
  napi_close_handle_scope(s->env, scope);
}

static void on_readable_batch(uv_poll_t* handle, int status, int events) {
  (void)events;
  vrrp_socket* s = handle->data;
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value argv[1];
  if (status < 0) {
    napi_create_string_utf8(env, uv_strerror(status), NAPI_AUTO_LENGTH, &argv[0]);
    deliver(s, argv, 1);
    napi_close_handle_scope(env, scope);
    return;
  }
  if (s->hold_ms == 0) {
    /* Raw IP (vrrplab run): one recvmmsg per wake-up, at once. */
    int count = read_batch(s);
    if (count > 0) deliver_count(s, count);
  } else if (drain(s) > 0 && !s->closed) {
    /* The first frame after a quiet spell goes at once; what follows waits up to hold_ms. */
    uv_poll_stop(&s->poll);
    uv_timer_start(&s->timer, on_hold_timer, s->hold_ms, 0);
  }
  napi_close_handle_scope(env, scope);
}

/* Starts polling the socket with `on_event`: the one callback is kept for every event. */
static napi_value start_polling(napi_env env, vrrp_socket* s, napi_value object, napi_value callback, uv_poll_cb on_event) {
  struct uv_loop_s* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_type(env, "no event loop");
  napi_value name;
  napi_create_string_utf8(env, "vrrp_socket", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, object, name, &s->async_context);
  napi_create_reference(env, callback, 1, &s->callback);
  int rc = uv_poll_init(loop, &s->poll, s->fd);
  if (rc != 0) return throw_errno(env, "uv_poll_init", -rc);
  s->poll.data = s;
  s->polling = 1;
  rc = uv_poll_start(&s->poll, UV_READABLE, on_event);
  if (rc != 0) return throw_errno(env, "uv_poll_start", -rc);
  return NULL;
}

/* startBatch(socket, callback, data: Buffer, meta: Buffer, holdMs = 0): slots = the datagrams both
   hold (data: MAX_PACKET bytes each, meta: META_RECORD bytes each), at most MAX_BATCH. holdMs
   (packet sockets only, `vrrplab watch -i`): after a wake-up that read frames, the socket is not
   polled for that long; a timer then drains it (several batches if need be), so a busy link costs
   one wake-up per holdMs, not one per frame. The kernel's receive stamps are unchanged. */
static napi_value start_batch(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return throw_type(env, "startBatch(socket, callback, data, meta)");
  vrrp_socket* s = unwrap(env, argv[0]);
  if (!s) return NULL;
  napi_valuetype type;
  napi_typeof(env, argv[1], &type);
  if (type != napi_function) return throw_type(env, "callback must be a function");
  void *data = NULL, *meta = NULL;
  size_t data_length = 0, meta_length = 0;
  if (napi_get_buffer_info(env, argv[2], &data, &data_length) != napi_ok || napi_get_buffer_info(env, argv[3], &meta, &meta_length) != napi_ok)
    return throw_type(env, "startBatch(socket, callback, data: Buffer, meta: Buffer)");
  size_t slots = data_length / MAX_PACKET < meta_length / META_RECORD ? data_length / MAX_PACKET : meta_length / META_RECORD;
  if (slots < 1) return throw_type(env, "startBatch: buffers too small for one datagram");
  if (s->family != 4 && s->family != 6 && s->family != FAMILY_PACKET) return throw_type(env, "startBatch: raw IP and packet sockets only");
  if (s->closed) return throw_errno(env, "start", EBADF);
  if (s->polling) return throw_type(env, "already started");
  uint32_t hold_ms = 0;
  if (argc >= 5) {
    napi_typeof(env, argv[4], &type);
    if (type != napi_undefined && (napi_get_value_uint32(env, argv[4], &hold_ms) != napi_ok || hold_ms > 1000))
      return throw_type(env, "startBatch: holdMs must be 0..1000");
  }
  if (hold_ms > 0 && s->family != FAMILY_PACKET) return throw_type(env, "startBatch: holdMs is for packet sockets");
  if (hold_ms > 0) {
    struct uv_loop_s* loop;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_type(env, "no event loop");
    int rc = uv_timer_init(loop, &s->timer);
    if (rc != 0) return throw_errno(env, "uv_timer_init", -rc);
    s->timer.data = s;
    s->timer_started = 1;
    /* Left referenced: while it holds, the stopped poll handle no longer keeps the loop alive, the
       timer does (a process reading only this socket must not end in the middle of a hold). */
  }
  s->hold_ms = hold_ms;
  napi_create_reference(env, argv[2], 1, &s->data_ref);
  napi_create_reference(env, argv[3], 1, &s->meta_ref);
  s->data = data;
  s->meta = meta;
  s->slots = slots > MAX_BATCH ? MAX_BATCH : (unsigned)slots;
  return start_polling(env, s, argv[0], argv[1], on_readable_batch);
}

/* start(socket, callback): reads every datagram as it arrives, one callback each */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_type(env, "start(socket, callback)");
  vrrp_socket* s = unwrap(env, argv[0]);
  if (!s) return NULL;
  napi_valuetype type;
  napi_typeof(env, argv[1], &type);
  if (type != napi_function) return throw_type(env, "callback must be a function");
  if (s->closed) return throw_errno(env, "start", EBADF);
  if (s->polling) return throw_type(env, "already started");
  return start_polling(env, s, argv[0], argv[1], on_readable);
}

/*
 * Where a datagram goes: a raw IP socket's address (`scope_id` for link-local IPv6), the kernel
 * for netlink; a packet socket is bound to its interface and takes none (length 0). Returns 0, or
 * -1 when the address does not parse.
 */
static int destination(int family, const char* address, uint32_t scope_id, struct sockaddr_storage* to, socklen_t* length) {
  memset(to, 0, sizeof *to);
  *length = 0;
  if (family == FAMILY_PACKET) return 0;
  if (family == FAMILY_NETLINK) {
    ((struct sockaddr_nl*)to)->nl_family = AF_NETLINK; /* nl_pid 0: the kernel */
    *length = sizeof(struct sockaddr_nl);
    return 0;
  }
  if (family == 4) {
    struct sockaddr_in* sin = (struct sockaddr_in*)to;
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, address, &sin->sin_addr) != 1) return -1;
    *length = sizeof *sin;
    return 0;
  }
  struct sockaddr_in6* sin6 = (struct sockaddr_in6*)to;
  sin6->sin6_family = AF_INET6;
  sin6->sin6_scope_id = scope_id;
  if (inet_pton(AF_INET6, address, &sin6->sin6_addr) != 1) return -1;
  *length = sizeof *sin6;
  return 0;
}

/* An IPv6 datagram's source address (IPV6_PKTINFO ancillary data), as keepalived 2.2.7 gives every
   IPv6 advert its instance's source (vrrp.c vrrp_build_ancillary_data): without it the kernel picks
   one, and once a VIP is on the interface that is often the VIP (issue 23). */
typedef struct {
  int set;
  union {
    struct cmsghdr align;
    unsigned char bytes[CMSG_SPACE(sizeof(struct in6_pktinfo))];
  } control;
} source_info;

static void set_source(source_info* source, const unsigned char* address16) {
  memset(source, 0, sizeof *source);
  int any = 0;
  for (int i = 0; i < 16; i++) any |= address16[i];
  if (!any) return;
  struct cmsghdr* c = &source->control.align;
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
  struct in6_pktinfo* info = (struct in6_pktinfo*)CMSG_DATA(c);
  memcpy(&info->ipi6_addr, address16, 16);
  info->ipi6_ifindex = 0; /* the socket is bound to its interface (SO_BINDTODEVICE) */
  source->set = 1;
}

/* The one send of the module, at the call (send) and on the sender thread (sendAtTime): sendto(),
   or send() when there is no destination (packet sockets), or sendmsg() with the source address;
   retried on EINTR. -1: see errno. */
static ssize_t send_datagram(int fd, const void* data, size_t length, const struct sockaddr_storage* to, socklen_t to_length, const source_info* source) {
  ssize_t sent;
  if (source && source->set && to_length) {
    struct iovec iov = {(void*)data, length};
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_name = (void*)to;
    message.msg_namelen = to_length;
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = (void*)source->control.bytes;
    message.msg_controllen = sizeof source->control.bytes;
    do sent = sendmsg(fd, &message, 0);
    while (sent < 0 && errno == EINTR);
    return sent;
  }
  do sent = to_length ? sendto(fd, data, length, 0, (const struct sockaddr*)to, to_length) : send(fd, data, length, 0);
  while (sent < 0 && errno == EINTR);
  return sent;
}

/* What send() and sendAtTime() take after the socket: data (argv[1]), address (argv[2]) and
   scopeId (argv[3]); and optionally (argv[source_arg]) an IPv6 source address, 16 bytes. */
typedef struct {
  void* data;
  size_t length;
  char address[INET6_ADDRSTRLEN + 1];
  uint32_t scope_id;
  source_info source;
} outgoing;

/* 0, or -1 when an argument has the wrong type (the caller throws, naming its own signature). */
static int read_outgoing(napi_env env, const napi_value* argv, size_t argc, size_t source_arg, int family, outgoing* out) {
  size_t address_length = 0;
  out->data = NULL;
  out->length = 0;
  out->scope_id = 0;
  memset(&out->source, 0, sizeof out->source);
  if (napi_get_buffer_info(env, argv[1], &out->data, &out->length) != napi_ok ||
      napi_get_value_string_utf8(env, argv[2], out->address, sizeof out->address, &address_length) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &out->scope_id) != napi_ok)
    return -1;
  if (argc > source_arg && family == 6) {
    napi_valuetype type;
    napi_typeof(env, argv[source_arg], &type);
    if (type != napi_undefined && type != napi_null) {
      void* bytes = NULL;
      size_t length = 0;
      if (napi_get_buffer_info(env, argv[source_arg], &bytes, &length) != napi_ok || length != 16) return -1;
      set_source(&out->source, bytes);
    }
  }
  return 0;
}

/* send(socket, data: Buffer, address: string, scopeId: number): bytes sent; throws on error.
   Packet and netlink sockets ignore address and scopeId. */
static napi_value send_to(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return throw_type(env, "send(socket, data, address, scopeId[, source])");
  vrrp_socket* s = unwrap(env, argv[0]);
  if (!s) return NULL;
  outgoing out;
  if (read_outgoing(env, argv, argc, 4, s->family, &out) != 0) return throw_type(env, "send(socket, data: Buffer, address: string, scopeId: number, source?: 16-byte Buffer)");
  if (s->closed) return throw_errno(env, "sendto", EBADF);
  struct sockaddr_storage to;
  socklen_t to_length;
  if (destination(s->family, out.address, out.scope_id, &to, &to_length) != 0)
    return throw_type(env, s->family == 4 ? "bad IPv4 address" : "bad IPv6 address");
  ssize_t sent = send_datagram(s->fd, out.data, out.length, &to, to_length, &out.source);
  if (sent < 0) return throw_errno(env, out.source.set ? "sendmsg" : to_length ? "sendto" : "send", errno);
  napi_value result;
  napi_create_int64(env, sent, &result);
  return result;
}

/*
 * Scheduled sends (sendAtTime): an advert worked out before its deadline is handed to one sender
 * thread, which sleeps until the deadline on CLOCK_MONOTONIC (1 ns timer slack), spins the last
 * SPIN_NS and sends (with the jobs on the same socket due within TOGETHER_NS, in one sendmmsg). The JS thread does not wait: a garbage collection or a busy loop
 * there no longer delays an advert that was queued in time (native-notes, Timer precision).
 * Jobs are kept in deadline order; closing a socket drops its jobs. Failures are counted
 * (sendAtErrors) since there is no caller left to throw to.
 */
#define SPIN_NS 150000L
/* The sender thread's nice value (the rest of the process keeps its own). */
#define SENDER_NICE -10
/* Adverts due this close together leave in one sendmmsg() (at most 20 us early). */
#define TOGETHER_NS 20000L

typedef struct job {
  struct job* next;
  int fd;
  /* The caller's tag (an instance), for sendAtCancel; 0: none. */
  int32_t tag;
  struct sockaddr_storage to;
  socklen_t to_length;
  struct timespec at;
  source_info source;
  size_t length;
  unsigned char data[];
} job;

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_cond;
static job* jobs_head = NULL;
static int sender_started = 0;
static int64_t send_errors = 0;
static int last_send_errno = 0;

static int64_t ts_ns(const struct timespec* t) { return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec; }

static void count_failure(int err) {
  send_errors++;
  last_send_errno = err;
}

/* Jobs on one socket, due now: send_datagram() for one, sendmmsg() for several (a failed one is
   counted and skipped, the rest still go, in order). Called with jobs_lock held. */
static void send_group(job** group, int count) {
  if (count == 1) {
    if (send_datagram(group[0]->fd, group[0]->data, group[0]->length, &group[0]->to, group[0]->to_length, &group[0]->source) < 0) count_failure(errno);
    return;
  }
  struct mmsghdr messages[MAX_BATCH];
  struct iovec iovs[MAX_BATCH];
  memset(messages, 0, sizeof(struct mmsghdr) * (size_t)count);
  for (int i = 0; i < count; i++) {
    iovs[i].iov_base = group[i]->data;
    iovs[i].iov_len = group[i]->length;
    messages[i].msg_hdr.msg_name = &group[i]->to;
    messages[i].msg_hdr.msg_namelen = group[i]->to_length;
    messages[i].msg_hdr.msg_iov = &iovs[i];
    messages[i].msg_hdr.msg_iovlen = 1;
    if (group[i]->source.set) {
      messages[i].msg_hdr.msg_control = group[i]->source.control.bytes;
      messages[i].msg_hdr.msg_controllen = sizeof group[i]->source.control.bytes;
    }
  }
  int done = 0;
  while (done < count) {
    int sent = sendmmsg(group[0]->fd, messages + done, (unsigned)(count - done), 0);
    if (sent < 0) {
      if (errno == EINTR) continue;
      count_failure(errno);
      done++;
    } else {
      done += sent;
    }
  }
}

static void* sender_main(void* arg) {
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  /* This thread only sleeps, spins at most SPIN_NS and sends; the processes its own adverts wake
     (the peer, tcpdump: on this 2-core lab, on its CPUs) must not push it off the CPU in the middle
     of a group. Lowering its nice value needs CAP_SYS_NICE (root has it); without, it stays at 0. */
  setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), SENDER_NICE);
  pthread_mutex_lock(&jobs_lock);
  for (;;) {
    while (!jobs_head) pthread_cond_wait(&jobs_cond, &jobs_lock);
    job* j = jobs_head;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = ts_ns(&j->at) - ts_ns(&now);
    if (left > SPIN_NS) {
      /* Wake SPIN_NS early (or when an earlier job arrives), then look again. */
      int64_t wake = ts_ns(&j->at) - SPIN_NS;
      struct timespec until = {wake / 1000000000LL, wake % 1000000000LL};
      pthread_cond_timedwait(&jobs_cond, &jobs_lock, &until);
      continue;
    }
    jobs_head = j->next;
    while (left > 0) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      left = ts_ns(&j->at) - ts_ns(&now);
    }
    /* The jobs on the same socket due within TOGETHER_NS of now leave with it, in one sendmmsg. */
    job* group[MAX_BATCH];
    int count = 0;
    group[count++] = j;
    while (jobs_head && count < MAX_BATCH && jobs_head->fd == j->fd && ts_ns(&jobs_head->at) - ts_ns(&now) <= TOGETHER_NS) {
      group[count++] = jobs_head;
      jobs_head = jobs_head->next;
    }
    /* Sent under the lock, so a socket being closed cannot lose its fd under us. */
    send_group(group, count);
    for (int i = 0; i < count; i++) free(group[i]);
  }
  return NULL;
}

static int start_sender(void) {
  if (sender_started) return 0;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&jobs_cond, &attr);
  pthread_condattr_destroy(&attr);
  pthread_t thread;
  pthread_attr_t tattr;
  pthread_attr_init(&tattr);
  pthread_attr_setdetachstate(&tattr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&tattr, 64 * 1024);
  int err = pthread_create(&thread, &tattr, sender_main, NULL);
  pthread_attr_destroy(&tattr);
  if (err) return err;
  sender_started = 1;
  return 0;
}

static void drop_scheduled(int fd) {
  if (!sender_started) return;
  pthread_mutex_lock(&jobs_lock);
  job** link = &jobs_head;
  while (*link) {
    if ((*link)->fd == fd) {
      job* gone = *link;
      *link = gone->next;
      free(gone);
    } else {
      link = &(*link)->next;
    }
  }
  pthread_mutex_unlock(&jobs_lock);
}

/* sendAtTime(socket, data: Buffer, address: string, scopeId: number, monotonicNs: number, source?:
   16-byte Buffer (IPv6), tag?: number): queues the datagram to leave at that moment on CLOCK_MONOTONIC (raw IP sockets only);
   throws on bad arguments. Jobs for the same moment leave in the order they were queued. A tag
   other than 0 lets sendAtCancel take the job back before it leaves. */
static napi_value send_at_time(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) return throw_type(env, "sendAtTime(socket, data, address, scopeId, monotonicNs[, source[, tag]])");
  vrrp_socket* s = unwrap(env, argv[0]);
  if (!s) return NULL;
  outgoing out;
  double monotonic_ns = 0;
  if (read_outgoing(env, argv, argc, 5, s->family, &out) != 0 || napi_get_value_double(env, argv[4], &monotonic_ns) != napi_ok)
    return throw_type(env, "sendAtTime(socket, data: Buffer, address: string, scopeId: number, monotonicNs: number, source?: 16-byte Buffer, tag?: number)");
  if (s->family != 4 && s->family != 6) return throw_type(env, "sendAtTime: raw IP sockets only");
  if (s->closed) return throw_errno(env, "sendto", EBADF);
  job* j = malloc(sizeof(job) + out.length);
  if (!j) return throw_errno(env, "malloc", ENOMEM);
  memset(j, 0, sizeof(job));
  if (destination(s->family, out.address, out.scope_id, &j->to, &j->to_length) != 0) {
    free(j);
    return throw_type(env, s->family == 4 ? "bad IPv4 address" : "bad IPv6 address");
  }
  j->fd = s->fd;
  j->source = out.source;
  j->tag = 0;
  if (argc >= 7) {
    napi_valuetype type;
    if (napi_typeof(env, argv[6], &type) == napi_ok && type == napi_number) napi_get_value_int32(env, argv[6], &j->tag);
  }
  j->length = out.length;
  memcpy(j->data, out.data, out.length);
  /* An absolute moment, not a delay: adverts due together keep one time and their queued order
     (a delay measured at each call would give each a few ns of its own and shuffle them). */
  int64_t at = monotonic_ns > 0 ? (int64_t)monotonic_ns : 0;
  j->at.tv_sec = at / 1000000000LL;
  j->at.tv_nsec = at % 1000000000LL;
  pthread_mutex_lock(&jobs_lock);
  int err = start_sender();
  if (err) {
    pthread_mutex_unlock(&jobs_lock);
    free(j);
    return throw_errno(env, "pthread_create", err);
  }
  job** link = &jobs_head;
  while (*link && ts_ns(&(*link)->at) <= at) link = &(*link)->next;
  j->next = *link;
  *link = j;
  /* The sender sleeps until the head's moment: only a new head needs to wake it. */
  if (jobs_head == j) pthread_cond_signal(&jobs_cond);
  pthread_mutex_unlock(&jobs_lock);
  return NULL;
}

/* sendAtPending(monotonicNs): how many queued datagrams due at or before that moment have not
   left yet. The sender sends under jobs_lock, so a 0 here means they have been handed to the
   kernel (the runtime adds a VIP only after the advert that announces it has left). */
static napi_value send_at_pending(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  double until = 0;
  if (argc < 1 || napi_get_value_double(env, argv[0], &until) != napi_ok) return throw_type(env, "sendAtPending(monotonicNs: number)");
  int32_t count = 0;
  pthread_mutex_lock(&jobs_lock);
  for (job* j = jobs_head; j && (double)ts_ns(&j->at) <= until; j = j->next) count++;
  pthread_mutex_unlock(&jobs_lock);
  napi_value result;
  napi_create_int32(env, count, &result);
  return result;
}

/* sendAtCancel(tag: number, fromNs: number): drops the queued datagrams with that tag (not 0) due at
   or after that moment that have not left yet, and says how many. One the sender thread has taken
   (in its last SPIN_NS) is no longer queued: it leaves. */
static napi_value send_at_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t tag = 0;
  double from = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &tag) != napi_ok || napi_get_value_double(env, argv[1], &from) != napi_ok)
    return throw_type(env, "sendAtCancel(tag: number, fromNs: number)");
  int32_t count = 0;
  if (tag != 0 && sender_started) {
    pthread_mutex_lock(&jobs_lock);
    job** link = &jobs_head;
    while (*link) {
      /* The moment truncated as sendAtTime truncates it: the same double gives the same job time. */
      if ((*link)->tag == tag && ts_ns(&(*link)->at) >= (from > 0 ? (int64_t)from : 0)) {
        job* gone = *link;
        *link = gone->next;
        free(gone);
        count++;
      } else {
        link = &(*link)->next;
      }
    }
    /* The sender may be sleeping until the head that went: it wakes, looks again and sleeps on. */
    pthread_cond_signal(&jobs_cond);
    pthread_mutex_unlock(&jobs_lock);
  }
  napi_value result;
  napi_create_int32(env, count, &result);
  return result;
}

/* sendAtErrors(): [failed scheduled sends so far, errno of the last one]. */
static napi_value send_at_errors(napi_env env, napi_callback_info info) {
  pthread_mutex_lock(&jobs_lock);
  int64_t count = send_errors;
  int last = last_send_errno;
  pthread_mutex_unlock(&jobs_lock);
  napi_value result, a, b;
  napi_create_array_with_length(env, 2, &result);
  napi_create_int64(env, count, &a);
  napi_create_int32(env, last, &b);
  napi_set_element(env, result, 0, a);
  napi_set_element(env, result, 1, b);
  return result;
}

/* close(socket): idempotent */
static napi_value close_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return throw_type(env, "close(socket)");
  vrrp_socket* s = unwrap(env, argv[0]);
  if (s) close_socket(s);
  return NULL;
}

/*
 * trimMemory(): hands the free memory of every malloc arena back to the kernel (glibc's
 * malloc_trim); whether any was. V8's worker threads (concurrent marking, compiling) each have an
 * arena of their own, grown during a burst of work such as a reload, and glibc keeps what they
 * freed: 255 backups, 100 reloads, one arena 6.3 MB, 1.4 MB after this (issue 22). false without glibc.
 */
static napi_value trim_memory(napi_env env, napi_callback_info info) {
  int released = 0;
#ifdef __GLIBC__
  released = malloc_trim(0);
#endif
  napi_value result;
  napi_get_boolean(env, released != 0, &result);
  return result;
}

/*
 * mallocMmapThreshold(bytes): allocations of at least `bytes` get a mapping of their own, unmapped
 * when freed (glibc's M_MMAP_THRESHOLD, which also stops glibc from raising the threshold itself);
 * whether it was set. Why (issue 22): V8's compiler threads allocate their working memory in
 * segments of 8 KB and up, each thread in its own arena, and those arenas stayed ~1.5 MB larger
 * each after 100 reloads, too fragmented for malloc_trim to give back. false without glibc.
 */
static napi_value malloc_mmap_threshold(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t bytes = 0;
  if (argc < 1 || napi_get_value_int64(env, argv[0], &bytes) != napi_ok || bytes <= 0 || bytes > INT32_MAX) {
    return throw_type(env, "mallocMmapThreshold(bytes)");
  }
  int set = 0;
#ifdef __GLIBC__
  set = mallopt(M_MMAP_THRESHOLD, (int)bytes);
#endif
  napi_value result;
  napi_get_boolean(env, set != 0, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openPacket", NULL, open_packet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openNetlink", NULL, open_netlink, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setOption", NULL, set_option, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setFilter", NULL, set_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"start", NULL, start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startBatch", NULL, start_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, send_to, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendAtTime", NULL, send_at_time, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendAtErrors", NULL, send_at_errors, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendAtPending", NULL, send_at_pending, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendAtCancel", NULL, send_at_cancel, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"trimMemory", NULL, trim_memory, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mallocMmapThreshold", NULL, malloc_mmap_threshold, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  /* send and sendAtTime take an IPv6 source address (builds before it ignored one). */
  napi_value yes;
  napi_get_boolean(env, 1, &yes);
  napi_set_named_property(env, exports, "sendsFromSource", yes);
  /* openPacket takes a protocol and startBatch reads packet sockets (vrrplab watch -i). */
  napi_set_named_property(env, exports, "capturesFrames", yes);
  /* setFilter, startBatch's holdMs and the dropped count at record byte 56 (watch -i's cost). */
  napi_set_named_property(env, exports, "capturesQuietly", yes);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
