package dssim

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
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

// Errors of a StateStore.
var (
	// ErrDuplicateTransaction: an AReq reused a threeDSServerTransID.
	ErrDuplicateTransaction = errors.New("dssim: threeDSServerTransID already used")
	// ErrUnknownTransaction: no authentication has this acsTransID.
	ErrUnknownTransaction = errors.New("dssim: unknown acsTransID")
	// ErrStaleTransaction: the record changed since it was read (another
	// request, maybe in another execution environment, moved it on).
	ErrStaleTransaction = errors.New("dssim: transaction changed concurrently")
)

// TxRecord is the simulator's record of one authentication: all the ACS
// needs between the AReq, the CReq and the challenge form posts, which on
// Lambda are separate invocations.
type TxRecord struct {
	ID              string                 `json:"id"` // threeDSServerTransID
	ACSTransID      string                 `json:"acsTransID"`
	DSTransID       string                 `json:"dsTransID"`
	SDKTransID      string                 `json:"sdkTransID,omitempty"`
	Scheme          emv3ds.Scheme          `json:"scheme"`
	Scenario        Scenario               `json:"scenario"`
	Version         emv3ds.Version         `json:"version"`
	Category        emv3ds.MessageCategory `json:"category"`
	Channel         emv3ds.DeviceChannel   `json:"channel"`
	ServerURL       string                 `json:"serverURL"`
	NotificationURL string                 `json:"notificationURL,omitempty"`
	Amount          string                 `json:"amount"`
	Merchant        string                 `json:"merchant"`
	Last4           string                 `json:"last4"`
	Created         time.Time              `json:"created"`
	State           int                    `json:"state"`
	WrongTries      int                    `json:"wrongTries"`
	Submissions     int                    `json:"submissions"`
	SessionData     string                 `json:"sessionData,omitempty"`
	WindowSize      string                 `json:"windowSize,omitempty"`
	// 2.3.1 (v231.go): the AReq's threeDSRequestorDecReqInd, and whether
	// it asked for the trust-list prompt (challengeInd 09).
	DecReqInd   emv3ds.DecReqInd `json:"decReqInd,omitempty"`
	TrustPrompt bool             `json:"trustPrompt,omitempty"`
	// Rev is the stored revision Update compares (optimistic locking).
	Rev int `json:"-"`
}

// StateStore keeps the ACS state of the simulated authentications. The
// default keeps it in process memory, which is right for one process (make
// run, the tests); the sandbox Lambda uses a DynamoDB table (cmd/dssim), as
// every invocation may land on another execution environment.
type StateStore interface {
	// Create stores a new record (Rev 0); ErrDuplicateTransaction when its
	// ID was used before.
	Create(ctx context.Context, rec *TxRecord) error
	// Get reads the record of an acsTransID; ErrUnknownTransaction when
	// there is none (or it expired).
	Get(ctx context.Context, acsTransID string) (*TxRecord, error)
	// Update replaces the record if the stored revision is still rec.Rev,
	// and increments rec.Rev; ErrStaleTransaction otherwise.
	Update(ctx context.Context, rec *TxRecord) error
}

// txn is a record as the handlers use it.
type txn struct {
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
	rev         int

	decReqInd   emv3ds.DecReqInd // 2.3.1 decoupled fallback (v231.go)
	trustPrompt bool             // 2.3.1 challengeInd 09 (v231.go)
}

func (t *txn) record() *TxRecord {
	return &TxRecord{
		ID: t.id, ACSTransID: t.acsTransID, DSTransID: t.dsTransID, SDKTransID: t.sdkTransID,
		Scheme: t.scheme.scheme, Scenario: t.ss, Version: t.version, Category: t.category, Channel: t.channel,
		ServerURL: t.serverURL, NotificationURL: t.notificationURL, Amount: t.amount, Merchant: t.merchant, Last4: t.last4,
		Created: t.created, State: int(t.state), WrongTries: t.wrongTries, Submissions: t.submissions,
		SessionData: t.sessionData, WindowSize: t.windowSize, Rev: t.rev,
		DecReqInd: t.decReqInd, TrustPrompt: t.trustPrompt,
	}
}

func fromRecord(r *TxRecord) (*txn, error) {
	var sc schemeInfo
	found := false
	for _, x := range schemes {
		if x.scheme == r.Scheme {
			sc, found = x, true
		}
	}
	if !found {
		return nil, fmt.Errorf("dssim: stored transaction has unknown scheme %q", r.Scheme)
	}
	return &txn{
		id: r.ID, acsTransID: r.ACSTransID, dsTransID: r.DSTransID, sdkTransID: r.SDKTransID,
		scheme: sc, ss: r.Scenario, version: r.Version, category: r.Category, channel: r.Channel,
		serverURL: r.ServerURL, notificationURL: r.NotificationURL, amount: r.Amount, merchant: r.Merchant, last4: r.Last4,
		created: r.Created, state: challengeState(r.State), wrongTries: r.WrongTries, submissions: r.Submissions,
		sessionData: r.SessionData, windowSize: r.WindowSize, rev: r.Rev,
		decReqInd: r.DecReqInd, trustPrompt: r.TrustPrompt,
	}, nil
}

// load reads a transaction by acsTransID.
func (s *Simulator) load(ctx context.Context, acsTransID string) (*txn, error) {
	if acsTransID == "" {
		return nil, ErrUnknownTransaction
	}
	r, err := s.state.Get(ctx, acsTransID)
	if err != nil {
		return nil, err
	}
	return fromRecord(r)
}

// save writes t back if nobody changed it since it was read.
func (s *Simulator) save(ctx context.Context, t *txn) error {
	r := t.record()
	if err := s.state.Update(ctx, r); err != nil {
		return err
	}
	t.rev = r.Rev
	return nil
}

// memoryState is the in-process StateStore: records are copied in and out,
// so it behaves like a table (no shared pointers between requests).
type memoryState struct {
	mu    sync.Mutex
	ids   map[string]bool
	byACS map[string]TxRecord
	order []string // acsTransIDs, oldest first
}

// NewMemoryState returns the in-process StateStore (Config.State's
// default), bounded to the most recent 20000 authentications.
func NewMemoryState() StateStore {
	return &memoryState{ids: map[string]bool{}, byACS: map[string]TxRecord{}}
}

func (m *memoryState) Create(_ context.Context, rec *TxRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids[rec.ID] {
		return ErrDuplicateTransaction
	}
	m.ids[rec.ID] = true
	rec.Rev = 0
	m.byACS[rec.ACSTransID] = *rec
	m.order = append(m.order, rec.ACSTransID)
	if len(m.order) > maxTransactions {
		old := m.order[0]
		m.order = m.order[1:]
		delete(m.ids, m.byACS[old].ID)
		delete(m.byACS, old)
	}
	return nil
}

func (m *memoryState) Get(_ context.Context, acsTransID string) (*TxRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.byACS[acsTransID]
	if !ok {
		return nil, ErrUnknownTransaction
	}
	return &r, nil
}

func (m *memoryState) Update(_ context.Context, rec *TxRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.byACS[rec.ACSTransID]
	if !ok {
		return ErrUnknownTransaction
	}
	if cur.Rev != rec.Rev {
		return ErrStaleTransaction
	}
	rec.Rev++
	m.byACS[rec.ACSTransID] = *rec
	return nil
}

// methodLog remembers which transactions ran the 3DS Method (for tests in
// the same process; see MethodCompleted).
type methodLog struct {
	mu      sync.Mutex
	methods map[string]time.Time // threeDSServerTransID → 3DS Method ran
	runs    map[string]int       // threeDSServerTransID → how often
}

func (s *methodLog) methodRan(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.methods == nil || len(s.methods) > maxTransactions {
		s.methods = map[string]time.Time{}
		s.runs = map[string]int{}
	}
	s.methods[id] = time.Now()
	s.runs[id]++
}

// ranWithin reports whether the method ran under id less than d ago.
func (s *methodLog) ranWithin(id string, d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.methods[id]
	return ok && time.Since(at) < d
}

// MethodCompleted reports whether the ACS's 3DS Method page ran for the
// transaction (the browser posted its threeDSMethodData).
// It knows this process's requests only.
func (s *Simulator) MethodCompleted(threeDSServerTransID string) bool {
	s.methods.mu.Lock()
	defer s.methods.mu.Unlock()
	_, ok := s.methods.methods[threeDSServerTransID]
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
