// Package localui is the local stack's pages for people: the demo checkout
// (/_local/checkout: a card form, threeds.js from the API, and a tiny
// merchant backend inside the local runner that holds the API key) and the
// console (/_local/console: the run's transactions newest first and one
// transaction's timeline, from the table, the simulator's exchange log, the
// webhook sink and the dead letters; card data masked as the logs mask it).
// devstack/lambdalocal/stack mounts it on the gateway's port.
package localui
