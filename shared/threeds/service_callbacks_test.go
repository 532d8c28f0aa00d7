package threeds_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

func TestReceiveRReq(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id, _ := e.challenged(panFrictionless)

	ans, err := e.svc.ReceiveRReq(context.Background(), rreqJSON(id))
	require.NoError(t, err)
	require.Nil(t, ans.Erro)
	require.False(t, ans.Repeat)
	require.Equal(t, id, ans.ThreeDSServerTransID)
	require.Equal(t, emv3ds.TransStatusAuthenticated, ans.TransStatus)
	rres, err := emv3ds.DecodeRRes(ans.Body)
	require.NoError(t, err)
	require.Equal(t, emv3ds.MessageTypeRRes, rres.MessageType)
	require.Equal(t, emv3ds.ResultsStatusReceived, rres.ResultsStatus)
	require.Equal(t, id, rres.ThreeDSServerTransID)
	require.Equal(t, "a0000000-0000-4000-8000-000000000001", rres.ACSTransID)
	require.Equal(t, "d0000000-0000-4000-8000-000000000001", rres.DSTransID)

	tx := e.tx(id)
	require.Equal(t, threeds.StateFinal, tx.State)
	require.Equal(t, threeds.SourceRReq, tx.Result.Source)
	require.Equal(t, emv3ds.AuthenticationValue(cavv), tx.Result.AuthenticationValue)
	require.Equal(t, emv3ds.ECI("05"), tx.Result.ECI)
	require.Equal(t, "01", tx.Result.InteractionCounter)

	// The DS resends: the same bytes, nothing changes.
	again, err := e.svc.ReceiveRReq(context.Background(), rreqJSON(id))
	require.NoError(t, err)
	require.Nil(t, again.Erro)
	require.True(t, again.Repeat)
	require.Equal(t, ans.Body, again.Body)
	require.Equal(t, tx.Version, e.tx(id).Version, "a repeat writes nothing")

	// A different RReq after the result is final is rejected; the result stays.
	other, err := e.svc.ReceiveRReq(context.Background(), rreqJSON(id, func(m map[string]any) {
		m["transStatus"] = "N"
		m["transStatusReason"] = "01"
		delete(m, "authenticationValue")
		delete(m, "eci")
	}))
	require.NoError(t, err)
	require.NotNil(t, other.Erro)
	require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, other.Erro.ErrorCode)
	require.Equal(t, emv3ds.MessageTypeRReq, other.Erro.ErrorMessageType)
	after := e.tx(id)
	require.Equal(t, emv3ds.TransStatusAuthenticated, after.Result.TransStatus)
	require.Equal(t, tx.Version, after.Version)
}

func TestReceiveRReqRejections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      func(id string) []byte
		wantCode  emv3ds.ErrorCode
		wantField string
	}{
		{name: "unknown transaction", wantCode: emv3ds.ErrorCodeTransIDNotRecognised, wantField: "threeDSServerTransID",
			body: func(string) []byte { return rreqJSON("00000000-0000-4000-8000-999999999999") }},
		{name: "missing transaction ID", wantCode: emv3ds.ErrorCodeRequiredMissing, wantField: "threeDSServerTransID",
			body: func(string) []byte { return rreqJSON("") }},
		{name: "acsTransID of another ACS transaction", wantCode: emv3ds.ErrorCodeTransIDNotRecognised, wantField: "acsTransID",
			body: func(id string) []byte {
				return rreqJSON(id, func(m map[string]any) { m["acsTransID"] = "a0000000-0000-4000-8000-000000000099" })
			}},
		{name: "dsTransID of another DS transaction", wantCode: emv3ds.ErrorCodeTransIDNotRecognised, wantField: "acsTransID",
			body: func(id string) []byte {
				return rreqJSON(id, func(m map[string]any) { m["dsTransID"] = "d0000000-0000-4000-8000-000000000099" })
			}},
		{name: "missing transStatus", wantCode: emv3ds.ErrorCodeRequiredMissing, wantField: "transStatus",
			body: func(id string) []byte { return rreqJSON(id, func(m map[string]any) { delete(m, "transStatus") }) }},
		{name: "Y without authenticationValue", wantCode: emv3ds.ErrorCodeRequiredMissing, wantField: "authenticationValue",
			body: func(id string) []byte {
				return rreqJSON(id, func(m map[string]any) { delete(m, "authenticationValue") })
			}},
		{name: "malformed eci", wantCode: emv3ds.ErrorCodeInvalidFormat, wantField: "eci",
			body: func(id string) []byte { return rreqJSON(id, func(m map[string]any) { m["eci"] = "005" }) }},
		{name: "transStatus C in an RReq", wantCode: emv3ds.ErrorCodeInvalidFormat, wantField: "transStatus",
			body: func(id string) []byte { return rreqJSON(id, func(m map[string]any) { m["transStatus"] = "C" }) }},
		{name: "other messageVersion than the AReq", wantCode: emv3ds.ErrorCodeInvalidFormat, wantField: "messageVersion",
			body: func(id string) []byte { return rreqJSON(id, func(m map[string]any) { m["messageVersion"] = "2.1.0" }) }},
		{name: "not JSON", wantCode: emv3ds.ErrorCodeMessageInvalid,
			body: func(string) []byte { return []byte("not json") }},
		{name: "not an RReq", wantCode: emv3ds.ErrorCodeMessageInvalid,
			body: func(id string) []byte { return rreqJSON(id, func(m map[string]any) { m["messageType"] = "ARes" }) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			id, _ := e.challenged(panFrictionless)
			ans, err := e.svc.ReceiveRReq(context.Background(), tc.body(id))
			require.NoError(t, err)
			require.NotNil(t, ans.Erro, "expected an Erro")
			require.Equal(t, tc.wantCode, ans.Erro.ErrorCode)
			require.Equal(t, emv3ds.ErrorComponentServer, ans.Erro.ErrorComponent)
			require.Equal(t, emv3ds.MessageTypeErro, ans.Erro.MessageType)
			if tc.wantField != "" {
				require.Contains(t, ans.Erro.ErrorDetail, tc.wantField)
			}
			var body map[string]any
			require.NoError(t, json.Unmarshal(ans.Body, &body))
			require.Equal(t, "Erro", body["messageType"])
			require.Equal(t, string(tc.wantCode), body["errorCode"])
			require.NotContains(t, string(ans.Body), cavv, "an Erro never echoes the authentication value")
			tx := e.tx(id)
			require.Equal(t, threeds.StateChallengePending, tx.State, "a rejected RReq changes nothing")
			require.Nil(t, tx.Result)
		})
	}
}

func TestReceiveRReqOnFrictionlessTransaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.preauth(panFrictionless)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
	require.NoError(t, err)
	ans, err := e.svc.ReceiveRReq(context.Background(), rreqJSON(id, func(m map[string]any) {
		m["transStatus"] = "N"
		m["transStatusReason"] = "01"
		delete(m, "authenticationValue")
	}))
	require.NoError(t, err)
	require.NotNil(t, ans.Erro)
	require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, ans.Erro.ErrorCode)
	require.Equal(t, emv3ds.TransStatusAuthenticated, e.tx(id).Result.TransStatus, "the ARes result stands")
}

func TestReceiveRReqDecoupled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dir.AReq = answer(emv3ds.TransStatusDecoupled)
	id := e.preauth(panFrictionless)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id, func(m map[string]any) {
		m["threeDSRequestorDecReqInd"] = "Y"
		m["threeDSRequestorDecMaxTime"] = "00060"
	})})
	require.NoError(t, err)
	require.Equal(t, threeds.StateDecoupledPending, e.tx(id).State)
	// A decoupled RReq carries no interactionCounter.
	ans, err := e.svc.ReceiveRReq(context.Background(), rreqJSON(id, func(m map[string]any) {
		delete(m, "interactionCounter")
		m["authenticationType"] = "04"
	}))
	require.NoError(t, err)
	require.Nil(t, ans.Erro, "unexpected Erro %+v", ans.Erro)
	require.Equal(t, threeds.StateFinal, e.tx(id).State)
}

func TestChallengeCompleted(t *testing.T) {
	t.Parallel()
	const acsTransID = "a0000000-0000-4000-8000-000000000001"

	t.Run("RReq already arrived: result ready, no waiting", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		id, out := e.challenged(panFrictionless)
		_, err := e.svc.ReceiveRReq(context.Background(), rreqJSON(id))
		require.NoError(t, err)
		got, err := e.svc.ChallengeCompleted(context.Background(), cresFor(id, acsTransID, "Y"), out.SessionData)
		require.NoError(t, err)
		require.True(t, got.ResultReady)
		require.Equal(t, emv3ds.TransStatusAuthenticated, got.TransStatus)
		require.Equal(t, id, got.ThreeDSServerTransID)
		require.Equal(t, "https://shop.example.com/checkout/return", got.ReturnURL)
		require.Empty(t, e.slept())
		require.False(t, e.tx(id).CResReceivedAt.IsZero())
	})

	t.Run("waits for the RReq, then ready with the RReq's status", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		id, out := e.challenged(panFrictionless)
		e.onSleep = func(n int) {
			if n == 3 {
				ans, err := e.svc.ReceiveRReq(context.Background(), rreqJSON(id, func(m map[string]any) {
					m["transStatus"] = "N"
					m["transStatusReason"] = "01"
					delete(m, "authenticationValue")
					delete(m, "eci")
				}))
				require.NoError(t, err)
				require.Nil(t, ans.Erro)
			}
		}
		// The CRes claims Y; the RReq (N) is the truth.
		got, err := e.svc.ChallengeCompleted(context.Background(), cresFor(id, acsTransID, "Y"), out.SessionData)
		require.NoError(t, err)
		require.True(t, got.ResultReady)
		require.Equal(t, emv3ds.TransStatusNotAuthenticated, got.TransStatus)
		require.Len(t, e.slept(), 3)
	})

	t.Run("RReq never comes: pending after the configured wait, no status", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		id, out := e.challenged(panFrictionless)
		// A CRes Y before (or without) the RReq: a browser can forge it, so
		// the page shows no status until the RReq confirms one.
		got, err := e.svc.ChallengeCompleted(context.Background(), cresFor(id, acsTransID, "Y"), out.SessionData)
		require.NoError(t, err)
		require.False(t, got.ResultReady)
		require.Empty(t, got.TransStatus, "never the CRes's own transStatus")
		var total time.Duration
		for _, d := range e.slept() {
			total += d
		}
		require.Equal(t, time.Second, total, "waits ResultWait in all")
		require.Equal(t, threeds.StateChallengePending, e.tx(id).State, "the CRes never sets the result")
		require.Nil(t, e.tx(id).Result)
	})

	t.Run("ACS posts an Erro instead of a CRes", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		id, out := e.challenged(panFrictionless)
		b, _ := json.Marshal(map[string]string{
			"messageType": "Erro", "messageVersion": "2.2.0", "threeDSServerTransID": id,
			"errorCode": "402", "errorComponent": "A", "errorDescription": "Transaction timed out", "errorDetail": "Timeout expiry reached",
		})
		got, err := e.svc.ChallengeCompleted(context.Background(), emv3ds.EncodeBase64URL(b), out.SessionData)
		require.NoError(t, err)
		require.False(t, got.ResultReady)
		require.Empty(t, got.TransStatus, "no RReq, no status")
	})

	rejections := []struct {
		name    string
		cres    func(id string) string
		session func(e *env, id, issued string) string
	}{
		{name: "bad session token", cres: func(id string) string { return cresFor(id, acsTransID, "Y") },
			session: func(*env, string, string) string { return "not-a-token" }},
		{name: "session token of another transaction", cres: func(id string) string { return cresFor(id, acsTransID, "Y") },
			session: func(e *env, _ string, _ string) string {
				s, _ := e.sessions.Issue("00000000-0000-4000-8000-000000000777")
				return s
			}},
		{name: "CRes of another transaction", cres: func(string) string { return cresFor("00000000-0000-4000-8000-000000000777", acsTransID, "Y") },
			session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "CRes with another acsTransID", cres: func(id string) string { return cresFor(id, "a0000000-0000-4000-8000-000000000099", "Y") },
			session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "cres not base64url JSON", cres: func(string) string { return "%%%" },
			session: func(_ *env, _ string, issued string) string { return issued }},
		// The CRes must be a valid CRes of this transaction (emv3ds rules).
		{name: "CRes with a transStatus no CRes has", cres: func(id string) string { return cresWith(id, acsTransID, "transStatus", "X") },
			session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "CRes with transStatus C", cres: func(id string) string { return cresWith(id, acsTransID, "transStatus", "C") },
			session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "CRes without transStatus", cres: func(id string) string { return cresWith(id, acsTransID, "transStatus", "") },
			session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "CRes of another messageVersion", cres: func(id string) string { return cresWith(id, acsTransID, "messageVersion", "2.1.0") },
			session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "CRes of an unsupported messageVersion", cres: func(id string) string { return cresWith(id, acsTransID, "messageVersion", "9.9.9") },
			session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "CReq posted as the cres", cres: func(id string) string { return cresWith(id, acsTransID, "messageType", "CReq") },
			session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "CRes with a malformed acsTransID", cres: func(id string) string { return cresWith(id, "not-a-uuid", "transStatus", "Y") },
			session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "CRes with a duplicated transStatus", cres: func(id string) string {
			return emv3ds.EncodeBase64URL([]byte(`{"messageType":"CRes","messageVersion":"2.2.0","threeDSServerTransID":"` + id +
				`","acsTransID":"` + acsTransID + `","transStatus":"N","TRANSSTATUS":"Y"}`))
		}, session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "Erro naming another acsTransID", cres: func(id string) string {
			b, _ := json.Marshal(map[string]string{"messageType": "Erro", "messageVersion": "2.2.0", "threeDSServerTransID": id,
				"acsTransID": "a0000000-0000-4000-8000-000000000099", "errorCode": "402", "errorComponent": "A",
				"errorDescription": "Transaction timed out", "errorDetail": "Timeout"})
			return emv3ds.EncodeBase64URL(b)
		}, session: func(_ *env, _ string, issued string) string { return issued }},
		{name: "expired session token", cres: func(id string) string { return cresFor(id, acsTransID, "Y") },
			session: func(e *env, _ string, issued string) string { e.clock.Advance(20 * time.Minute); return issued }},
	}
	for _, tc := range rejections {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			id, out := e.challenged(panFrictionless)
			before := e.tx(id)
			_, err := e.svc.ChallengeCompleted(context.Background(), tc.cres(id), tc.session(e, id, out.SessionData))
			require.ErrorIs(t, err, threeds.ErrInvalidCallback)
			after, gerr := e.store.Get(context.Background(), id)
			if gerr == nil {
				require.Equal(t, before.Version, after.Version, "a rejected callback changes nothing")
				require.True(t, after.CResReceivedAt.IsZero())
			}
		})
	}

	t.Run("CRes on a frictionless transaction", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		id := e.preauth(panFrictionless)
		_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
		require.NoError(t, err)
		token, err := e.sessions.Issue(id)
		require.NoError(t, err)
		_, err = e.svc.ChallengeCompleted(context.Background(), cresFor(id, acsTransID, "Y"), token)
		require.ErrorIs(t, err, threeds.ErrInvalidCallback)
	})
}

func TestMethodCompleted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out, err := e.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: panMethod})
	require.NoError(t, err)
	id := out.ThreeDSServerTransID

	got, err := e.svc.MethodCompleted(context.Background(), out.ThreeDSMethodData)
	require.NoError(t, err)
	require.Equal(t, id, got)
	tx := e.tx(id)
	require.Equal(t, threeds.StateMethodCompleted, tx.State)
	require.Equal(t, threeds.Stamp(svcNow), tx.MethodCompletedAt)

	// The ACS's own notification carries only the ID, standard base64 with padding.
	again, err := e.svc.MethodCompleted(context.Background(), "eyJ0aHJlZURTU2VydmVyVHJhbnNJRCI6IjAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMSJ9")
	require.NoError(t, err, "a repeat is not an error")
	require.Equal(t, id, again)
	require.Equal(t, tx.Version, e.tx(id).Version)

	bad := []struct {
		name string
		data string
		want error
	}{
		{name: "empty", data: "", want: threeds.ErrInvalidCallback},
		{name: "not base64", data: "%%%", want: threeds.ErrInvalidCallback},
		{name: "not a UUID", data: emv3ds.EncodeBase64URL([]byte(`{"threeDSServerTransID":"123"}`)), want: threeds.ErrInvalidCallback},
		{name: "unknown transaction", data: emv3ds.NewThreeDSMethodData("00000000-0000-4000-8000-999999999999", "").Encode(), want: threeds.ErrTransactionNotFound},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.MethodCompleted(context.Background(), tc.data)
			require.ErrorIs(t, err, tc.want)
		})
	}

	t.Run("transaction whose ACS has no method", func(t *testing.T) {
		id := e.preauth(panFrictionless)
		_, err := e.svc.MethodCompleted(context.Background(), emv3ds.NewThreeDSMethodData(id, "").Encode())
		require.ErrorIs(t, err, threeds.ErrInvalidTransition)
		require.Equal(t, threeds.StatePreAuthenticated, e.tx(id).State)
	})
}
