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
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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
} vrrp_socket;

static napi_value throw_errno(napi_env env, const char* what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  napi_create_string_utf8(env, err == EAGAIN ? "EAGAIN" : "ESYSCALL", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static void free_if_done(vrrp_socket* s) {
  if (s->finalized && (!s->polling || s->poll_closed)) free(s);
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
  if (s->callback) {
    napi_delete_reference(s->env, s->callback);
    s->callback = NULL;
  }
  if (s->async_context) {
    napi_async_destroy(s->env, s->async_context);
    s->async_context = NULL;
  }
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
 * openPacket(ifindex): a raw AF_PACKET socket bound to one interface, for writing whole Ethernet
 * frames (gratuitous ARP). Protocol 0: it receives nothing (packet(7)).
 */
static napi_value open_packet(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t ifindex = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &ifindex) != napi_ok) return throw_type(env, "openPacket(ifindex)");
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  struct sockaddr_ll link;
  memset(&link, 0, sizeof link);
  link.sll_family = AF_PACKET;
  link.sll_ifindex = ifindex;
  return bind_and_wrap(env, fd, (struct sockaddr*)&link, sizeof link, FAMILY_PACKET);
}

/*
 * openNetlink(groups): a NETLINK_ROUTE socket; send() goes to the kernel, start() reads its
 * answers and, for the multicast groups given (RTMGRP_* bits, 0 for none), its notifications.
 */
static napi_value open_netlink(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t groups = 0;
  if (argc >= 1 && napi_get_value_uint32(env, argv[0], &groups) != napi_ok) return throw_type(env, "openNetlink(groups)");
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
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

/* start(socket, callback): reads every datagram as it arrives */
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
  struct uv_loop_s* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_type(env, "no event loop");
  napi_value name;
  napi_create_string_utf8(env, "vrrp_socket", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, argv[0], name, &s->async_context);
  napi_create_reference(env, argv[1], 1, &s->callback);
  int rc = uv_poll_init(loop, &s->poll, s->fd);
  if (rc != 0) return throw_errno(env, "uv_poll_init", -rc);
  s->poll.data = s;
  s->polling = 1;
  rc = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  if (rc != 0) return throw_errno(env, "uv_poll_start", -rc);
  return NULL;
}

/* send(socket, data: Buffer, address: string, scopeId: number): bytes sent; throws on error.
   Packet and netlink sockets ignore address and scopeId. */
static napi_value send_to(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return throw_type(env, "send(socket, data, address, scopeId)");
  vrrp_socket* s = unwrap(env, argv[0]);
  if (!s) return NULL;
  void* data = NULL;
  size_t length = 0;
  char address[INET6_ADDRSTRLEN + 1];
  size_t address_length = 0;
  uint32_t scope_id = 0;
  if (napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok ||
      napi_get_value_string_utf8(env, argv[2], address, sizeof address, &address_length) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &scope_id) != napi_ok)
    return throw_type(env, "send(socket, data: Buffer, address: string, scopeId: number)");
  if (s->closed) return throw_errno(env, "sendto", EBADF);
  ssize_t sent;
  if (s->family == FAMILY_PACKET) {
    /* Bound to its interface: the frame carries its own addresses. */
    do sent = send(s->fd, data, length, 0);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) return throw_errno(env, "send", errno);
    napi_value result;
    napi_create_int64(env, sent, &result);
    return result;
  }
  struct sockaddr_storage to;
  memset(&to, 0, sizeof to);
  socklen_t to_length;
  if (s->family == FAMILY_NETLINK) {
    struct sockaddr_nl* kernel = (struct sockaddr_nl*)&to;
    kernel->nl_family = AF_NETLINK; /* nl_pid 0: the kernel */
    to_length = sizeof *kernel;
  } else if (s->family == 4) {
    struct sockaddr_in* sin = (struct sockaddr_in*)&to;
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, address, &sin->sin_addr) != 1) return throw_type(env, "bad IPv4 address");
    to_length = sizeof *sin;
  } else {
    struct sockaddr_in6* sin6 = (struct sockaddr_in6*)&to;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_scope_id = scope_id;
    if (inet_pton(AF_INET6, address, &sin6->sin6_addr) != 1) return throw_type(env, "bad IPv6 address");
    to_length = sizeof *sin6;
  }
  do sent = sendto(s->fd, data, length, 0, (struct sockaddr*)&to, to_length);
  while (sent < 0 && errno == EINTR);
  if (sent < 0) return throw_errno(env, "sendto", errno);
  napi_value result;
  napi_create_int64(env, sent, &result);
  return result;
}

/*
 * Scheduled sends (sendAt): an advert worked out before its deadline is handed to one sender
 * thread, which sleeps until the deadline on CLOCK_MONOTONIC (1 ns timer slack), spins the last
 * SPIN_NS and calls sendto(). The JS thread does not wait: a garbage collection or a busy loop
 * there no longer delays an advert that was queued in time (native-notes, Timer precision).
 * Jobs are kept in deadline order; closing a socket drops its jobs. Failures are counted
 * (sendAtErrors) since there is no caller left to throw to.
 */
#define SPIN_NS 150000L

typedef struct job {
  struct job* next;
  int fd;
  struct sockaddr_storage to;
  socklen_t to_length;
  struct timespec at;
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

static void* sender_main(void* arg) {
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
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
    /* Sent under the lock, so a socket being closed cannot lose its fd under us. */
    ssize_t sent;
    do sent = sendto(j->fd, j->data, j->length, 0, (struct sockaddr*)&j->to, j->to_length);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) {
      send_errors++;
      last_send_errno = errno;
    }
    free(j);
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

/* sendAt(socket, data: Buffer, address: string, scopeId: number, delayMs: number): queues the
   datagram to leave delayMs from now (raw IP sockets only); throws on bad arguments. */
static napi_value send_at(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) return throw_type(env, "sendAt(socket, data, address, scopeId, delayMs)");
  vrrp_socket* s = unwrap(env, argv[0]);
  if (!s) return NULL;
  void* data = NULL;
  size_t length = 0;
  char address[INET6_ADDRSTRLEN + 1];
  size_t address_length = 0;
  uint32_t scope_id = 0;
  double delay_ms = 0;
  if (napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok ||
      napi_get_value_string_utf8(env, argv[2], address, sizeof address, &address_length) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &scope_id) != napi_ok ||
      napi_get_value_double(env, argv[4], &delay_ms) != napi_ok)
    return throw_type(env, "sendAt(socket, data: Buffer, address: string, scopeId: number, delayMs: number)");
  if (s->family != 4 && s->family != 6) return throw_type(env, "sendAt: raw IP sockets only");
  if (s->closed) return throw_errno(env, "sendto", EBADF);
  job* j = malloc(sizeof(job) + length);
  if (!j) return throw_errno(env, "malloc", ENOMEM);
  memset(j, 0, sizeof(job));
  if (s->family == 4) {
    struct sockaddr_in* sin = (struct sockaddr_in*)&j->to;
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, address, &sin->sin_addr) != 1) { free(j); return throw_type(env, "bad IPv4 address"); }
    j->to_length = sizeof *sin;
  } else {
    struct sockaddr_in6* sin6 = (struct sockaddr_in6*)&j->to;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_scope_id = scope_id;
    if (inet_pton(AF_INET6, address, &sin6->sin6_addr) != 1) { free(j); return throw_type(env, "bad IPv6 address"); }
    j->to_length = sizeof *sin6;
  }
  j->fd = s->fd;
  j->length = length;
  memcpy(j->data, data, length);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  int64_t at = ts_ns(&now) + (delay_ms > 0 ? (int64_t)(delay_ms * 1e6) : 0);
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
  pthread_cond_signal(&jobs_cond);
  pthread_mutex_unlock(&jobs_lock);
  return NULL;
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openPacket", NULL, open_packet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openNetlink", NULL, open_netlink, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setOption", NULL, set_option, NULL, NULL, NULL, napi_enumerable, NULL},
      {"start", NULL, start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, send_to, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendAt", NULL, send_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendAtErrors", NULL, send_at_errors, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_js, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
