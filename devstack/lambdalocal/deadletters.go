package lambdalocal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
)

// DeadLetters stands in for the event source mapping's on-failure
// destination: the record Lambda would send to the SQS queue for each batch
// it gave up on, kept as JSON lines in a file or in memory.
type DeadLetters struct {
	mu   sync.Mutex
	file string
	mem  []json.RawMessage
}

// NewDeadLetters keeps the records in file (appending) or, when file is "",
// in memory.
func NewDeadLetters(file string) *DeadLetters { return &DeadLetters{file: file} }

// Add records one on-failure message.
func (d *DeadLetters) Add(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.file == "" {
		d.mem = append(d.mem, b)
		return nil
	}
	f, err := os.OpenFile(d.file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("dead letters: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// List returns every recorded message, oldest first.
func (d *DeadLetters) List() ([]json.RawMessage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.file == "" {
		return append([]json.RawMessage(nil), d.mem...), nil
	}
	b, err := os.ReadFile(d.file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	var out []json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			out = append(out, json.RawMessage(append([]byte(nil), line...)))
		}
	}
	return out, sc.Err()
}

// ServeHTTP lists the messages as a JSON array (GET /_local/dead-letters).
func (d *DeadLetters) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	list, err := d.List()
	if err != nil {
		http.Error(w, `{"message":"cannot read dead letters"}`, http.StatusInternalServerError)
		return
	}
	if list == nil {
		list = []json.RawMessage{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(list)
}
