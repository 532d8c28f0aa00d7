package dssim

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// challengeState is where a transaction's ACS interaction stands.
type challengeState int

const (
	stateNone        challengeState = iota // frictionless or not started
	stateAwaitCReq                         // ARes C sent
	stateChallenging                       // challenge page shown
	stateDone                              // result sent (RReq)
)

// maxOTPTries is how many wrong codes end the challenge with N.
const maxOTPTries = 3

// txn is the simulator's memory of one authentication.
type txn struct {
	mu sync.Mutex

	id, acsTransID, dsTransID, sdkTransID string
	scheme                                schemeInfo
	ss                                    Scenario
	version                               emv3ds.Version
	category                              emv3ds.MessageCategory
	channel                               emv3ds.DeviceChannel
	serverURL, notificationURL            string
	amount, merchant, last4               string
	created                               time.Time

	state       challengeState
	wrongTries  int
	submissions int
	sessionData string
	windowSize  string
}

type txStore struct {
	mu      sync.Mutex
	byID    map[string]*txn
	byACS   map[string]*txn
	order   []string
	methods map[string]time.Time // threeDSServerTransID → 3DS Method ran
}

func newTxStore() *txStore {
	return &txStore{byID: map[string]*txn{}, byACS: map[string]*txn{}, methods: map[string]time.Time{}}
}

// add registers t; false when its threeDSServerTransID is already known.
func (s *txStore) add(t *txn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.byID[t.id]; dup {
		return false
	}
	s.byID[t.id] = t
	s.byACS[t.acsTransID] = t
	s.order = append(s.order, t.id)
	if len(s.order) > maxTransactions {
		old := s.order[0]
		s.order = s.order[1:]
		if o := s.byID[old]; o != nil {
			delete(s.byACS, o.acsTransID)
		}
		delete(s.byID, old)
		delete(s.methods, old)
	}
	return true
}

func (s *txStore) seen(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.byID[id]
	return ok
}

func (s *txStore) byACSTransID(id string) *txn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byACS[id]
}

func (s *txStore) methodRan(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.methods) > maxTransactions {
		clear(s.methods)
	}
	s.methods[id] = time.Now()
}

// MethodCompleted reports whether the ACS's 3DS Method page ran for the
// transaction (the browser posted its threeDSMethodData).
func (s *Simulator) MethodCompleted(threeDSServerTransID string) bool {
	s.txs.mu.Lock()
	defer s.txs.mu.Unlock()
	_, ok := s.txs.methods[threeDSServerTransID]
	return ok
}

// newUUID returns a random (version 4) UUID in canonical form.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newCAVV returns a 28-character base64 authentication value (20 random bytes).
func newCAVV() emv3ds.AuthenticationValue {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return emv3ds.AuthenticationValue(base64.StdEncoding.EncodeToString(b[:]))
}

// validate runs a message's emv3ds Validate.
func validate(m interface{ Validate() error }) error { return m.Validate() }
