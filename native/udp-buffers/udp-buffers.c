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
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>

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

int socket(int domain, int type, int protocol) {
  static socket_fn real_socket = NULL;
  if (real_socket == NULL) real_socket = (socket_fn)dlsym(RTLD_NEXT, "socket");
  if (real_socket == NULL) return -1;
  int fd = real_socket(domain, type, protocol);
  if (fd >= 0 && (domain == AF_INET || domain == AF_INET6) && (type & 0xf) == SOCK_DGRAM) {
    set_buffer(fd, "LAB_UDP_RCVBUF_BYTES", SO_RCVBUFFORCE, SO_RCVBUF);
    set_buffer(fd, "LAB_UDP_SNDBUF_BYTES", SO_SNDBUFFORCE, SO_SNDBUF);
  }
  return fd;
}
