package console_test

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
)

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

// syncBuffer collects the server's JSON log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// errors are the log's ERROR lines.
func (s *syncBuffer) errors() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range strings.Split(s.b.String(), "\n") {
		if strings.Contains(l, `"level":"ERROR"`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
