/** Debian's bundle of the system's trusted roots: what a client verifies a remote server against when no --ca is given. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
