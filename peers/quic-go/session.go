package main

import (
	"crypto/tls"
	"sync"
)

// sessionCache is the client's in-process TLS session cache: it tells when a ticket arrived
// (the priming connection waits for one) and, for "resumed", takes the early-data permission
// off the stored session so the measured connection resumes without 0-RTT.
type sessionCache struct {
	inner        tls.ClientSessionCache
	noEarlyData  bool
	once         sync.Once
	ticketStored chan struct{}
}

func newSessionCache() *sessionCache {
	return &sessionCache{inner: tls.NewLRUClientSessionCache(4), ticketStored: make(chan struct{})}
}

func (c *sessionCache) Get(key string) (*tls.ClientSessionState, bool) {
	session, ok := c.inner.Get(key)
	if !ok || session == nil || !c.noEarlyData {
		return session, ok
	}
	ticket, state, err := session.ResumptionState()
	if err != nil || state == nil {
		return session, ok
	}
	state.EarlyData = false
	stripped, err := tls.NewResumptionState(ticket, state)
	if err != nil {
		return session, ok
	}
	return stripped, true
}

func (c *sessionCache) Put(key string, session *tls.ClientSessionState) {
	c.inner.Put(key, session)
	if session != nil {
		c.once.Do(func() { close(c.ticketStored) })
	}
}
