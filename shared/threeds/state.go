package threeds

// State is where a transaction stands in the authentication flow.
type State string

// States. The flow is
//
//	preauthenticated ─┬─────────────────────────────┐
//	method_pending ──▶ method_completed ─────────────┴─▶ areq_sent
//	areq_sent ─▶ final (frictionless ARes) | challenge_pending | decoupled_pending | failed
//	challenge_pending, decoupled_pending ─▶ final (RReq) | failed | expired
//
// and every non-terminal state may fail or expire.
const (
	StatePreAuthenticated State = "preauthenticated"
	StateMethodPending    State = "method_pending"
	StateMethodCompleted  State = "method_completed"
	StateAReqSent         State = "areq_sent"
	StateChallengePending State = "challenge_pending"
	StateDecoupledPending State = "decoupled_pending"
	StateFinal            State = "final" // a final result is held (from ARes or RReq)
	StateFailed           State = "failed"
	StateExpired          State = "expired"
)

// States lists every state, in flow order.
var States = []State{
	StatePreAuthenticated, StateMethodPending, StateMethodCompleted, StateAReqSent,
	StateChallengePending, StateDecoupledPending, StateFinal, StateFailed, StateExpired,
}

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}

// IsFinal reports a terminal state: final, failed or expired. Nothing about a
// terminal transaction's outcome changes any more.
func (s State) IsFinal() bool {
	return s == StateFinal || s == StateFailed || s == StateExpired
}

// IsPending reports a state that waits for a result from the ACS (challenge
// or decoupled authentication).
func (s State) IsPending() bool {
	return s == StateChallengePending || s == StateDecoupledPending
}

// beforeAReq reports the states from which an AReq may be sent.
func (s State) beforeAReq() bool {
	return s == StatePreAuthenticated || s == StateMethodPending || s == StateMethodCompleted
}
