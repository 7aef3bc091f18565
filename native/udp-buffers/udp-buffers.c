/*
 * LD_PRELOAD shim that gives a process's UDP sockets the buffer sizes the lab asks for.
 * gtlsclient and gtlsserver never set SO_RCVBUF/SO_SNDBUF, so they get the kernel default
 * (about 208 KiB), which a fast QUIC sender overruns: the receiver drops datagrams in its
 * socket buffer and the transfer measures the buffer, not the protocol. TCP autotunes its
 * buffers (within net.ipv4.tcp_rmem/wmem, which the lab sets per namespace); this does the
 * same job for QUIC. net.core.rmem_max is host-wide (not per namespace), so the *FORCE
 * options are used, which root may set past it; without root the plain ones are tried.
 *
 *   LAB_UDP_RCVBUF_BYTES, LAB_UDP_SNDBUF_BYTES   sizes to ask for (unset: leave alone)
 *   LAB_UDP_BUFFERS_REPORT                      a file to append, for each UDP socket, what the
 *                                               kernel gave (getsockopt after setsockopt):
 *                                               "rcvbuf=N sndbuf=N\n" (Linux reports twice the
 *                                               size set: half is its bookkeeping)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int (*socket_fn)(int, int, int);

static void set_buffer(int fd, const char *variable, int force_option, int option) {
  const char *value = getenv(variable);
  if (value == NULL || value[0] == '\0') return;
  int bytes = atoi(value);
  if (bytes <= 0) return;
  if (setsockopt(fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) != 0) {
    setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
  }
}

/* The size the kernel holds for `option`, or -1 when it cannot be read. */
static int kernel_size(int fd, int option) {
  int bytes = 0;
  socklen_t length = sizeof bytes;
  return getsockopt(fd, SOL_SOCKET, option, &bytes, &length) == 0 ? bytes : -1;
}

/* One line per socket, appended (O_APPEND: whole lines from concurrent sockets); never
 * follows a symlink, never fails the socket call. */
static void report(int fd) {
  const char *path = getenv("LAB_UDP_BUFFERS_REPORT");
  if (path == NULL || path[0] == '\0') return;
  char line[64];
  int length = snprintf(line, sizeof line, "rcvbuf=%d sndbuf=%d\n", kernel_size(fd, SO_RCVBUF), kernel_size(fd, SO_SNDBUF));
  int out = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (out < 0) return;
  if (write(out, line, (size_t)length) < 0) { /* nothing to do: the report is a best effort */ }
  close(out);
}

int socket(int domain, int type, int protocol) {
  static socket_fn real_socket = NULL;
  if (real_socket == NULL) real_socket = (socket_fn)dlsym(RTLD_NEXT, "socket");
  if (real_socket == NULL) return -1;
  int fd = real_socket(domain, type, protocol);
  if (fd >= 0 && (domain == AF_INET || domain == AF_INET6) && (type & 0xf) == SOCK_DGRAM) {
    set_buffer(fd, "LAB_UDP_RCVBUF_BYTES", SO_RCVBUFFORCE, SO_RCVBUF);
    set_buffer(fd, "LAB_UDP_SNDBUF_BYTES", SO_SNDBUFFORCE, SO_SNDBUF);
    report(fd);
  }
  return fd;
}
