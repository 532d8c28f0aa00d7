// Package hostile is the hostile-client suite: the probes a careless or
// hostile client sends (header games, over-long identifiers, duplicated
// keys, echo checks, forged session tokens, forged CRes and RReq, 50-way
// races), written as table data per dialect so that every dialect the
// product grows is probed by the same rules. A suite (the repository's
// hostile/ folder) runs Run against a real local stack; each dialect
// contributes its routes as Probe rows and its flows through Flows.
//
// The rules probed (issue 14): credential headers that disagree are 401;
// every identifier is checked before any store access (4xx naming the
// field, never a 5xx); duplicated keys are Erro 204; no client text is
// echoed (unknown member names, malformed IDs, rejected keys); a forged
// threeDSSessionData or CRes never changes or shows a result; a forged or
// late RReq never changes a final result; and of 50 racing AReqs or RReqs
// exactly one wins.
//
// Adding a dialect: write its Dialect (Native is the example): Probes
// returns its routes as rows (a credential game per credential kind it
// accepts, each identifier it takes at every length of IDLengths, a
// duplicated key and an invented member per JSON body), ErrorOf reads its
// error shape, and Flows drives its challenge and results (a Flows when the
// final CRes comes to our challenge callback; a DSFlows, which skips the
// session-token and CRes probes, when it goes to the merchant, as
// juspay3ds's); then append it to the dialects the hostile/ suite runs.
// Probe.Method sends a row with another method than POST.
package hostile
