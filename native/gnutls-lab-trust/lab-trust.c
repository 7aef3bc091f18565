/*
 * LD_PRELOAD shim that makes a GnuTLS client (ngtcp2's gtlsclient) verify the server
 * against the lab CA only. gtlsclient 0.12 loads the system trust store and never asks
 * GnuTLS to verify the peer; the lab's rule is that every client verifies.
 *
 *   LAB_TRUST_CA_FILE      PEM file with the only CA(s) to trust (required)
 *   LAB_TRUST_VERIFY_HOST  name or IP the server certificate must match (required)
 *
 * Fails closed: a missing variable or an unreadable CA file makes the client's set-up
 * fail, never silently skips verification. Prints one "lab-trust: ..." line to stderr per
 * client session so the harness can tell that the shim really was loaded, and one
 * "lab-trust: session ended: resumed=R early-data=E" line when that session is freed, so
 * the harness can check that a resumed or 0-RTT sample really resumed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*init_fn)(gnutls_session_t *, unsigned int);
typedef void (*deinit_fn)(gnutls_session_t);

/* The client session this process verifies (gtlsclient makes one). */
static gnutls_session_t client_session = NULL;

static const char *required_env(const char *name) {
  const char *value = getenv(name);
  if (value == NULL || value[0] == '\0') {
    fprintf(stderr, "lab-trust: %s is not set; refusing to continue\n", name);
    return NULL;
  }
  return value;
}

/* Replaces the system store with the lab CA: nothing else is trusted. */
int gnutls_certificate_set_x509_system_trust(gnutls_certificate_credentials_t cred) {
  const char *ca_file = required_env("LAB_TRUST_CA_FILE");
  if (ca_file == NULL) return GNUTLS_E_INVALID_REQUEST;
  int loaded = gnutls_certificate_set_x509_trust_file(cred, ca_file, GNUTLS_X509_FMT_PEM);
  if (loaded <= 0) {
    fprintf(stderr, "lab-trust: no CA loaded from %s: %s\n", ca_file,
            loaded < 0 ? gnutls_strerror(loaded) : "file holds no certificate");
    return loaded < 0 ? loaded : GNUTLS_E_FILE_ERROR;
  }
  return loaded;
}

/* After the real gnutls_init, a client session is told to verify chain and name. */
int gnutls_init(gnutls_session_t *session, unsigned int flags) {
  static init_fn real_init = NULL;
  if (real_init == NULL) {
    real_init = (init_fn)dlsym(RTLD_NEXT, "gnutls_init");
    if (real_init == NULL) {
      fprintf(stderr, "lab-trust: cannot find the real gnutls_init: %s\n", dlerror());
      return GNUTLS_E_INTERNAL_ERROR;
    }
  }
  int rv = real_init(session, flags);
  if (rv != GNUTLS_E_SUCCESS || (flags & GNUTLS_CLIENT) == 0) return rv;

  const char *host = required_env("LAB_TRUST_VERIFY_HOST");
  const char *ca_file = required_env("LAB_TRUST_CA_FILE");
  if (host == NULL || ca_file == NULL) {
    gnutls_deinit(*session);
    *session = NULL;
    return GNUTLS_E_INVALID_REQUEST;
  }
  /* Handshake fails unless the chain verifies to a trusted CA and the leaf matches host. */
  gnutls_session_set_verify_cert(*session, host, 0);
  client_session = *session;
  fprintf(stderr, "lab-trust: verifying server as %s against %s\n", host, ca_file);
  return rv;
}

/* Reports how the client session went before it is freed (gtlsclient frees it on exit). */
void gnutls_deinit(gnutls_session_t session) {
  static deinit_fn real_deinit = NULL;
  if (real_deinit == NULL) real_deinit = (deinit_fn)dlsym(RTLD_NEXT, "gnutls_deinit");
  if (session != NULL && session == client_session) {
    unsigned flags = gnutls_session_get_flags(session);
    fprintf(stderr, "lab-trust: session ended: resumed=%d early-data=%d\n",
            gnutls_session_is_resumed(session) ? 1 : 0, (flags & GNUTLS_SFLAGS_EARLY_DATA) ? 1 : 0);
    client_session = NULL;
  }
  if (real_deinit != NULL) real_deinit(session);
}
