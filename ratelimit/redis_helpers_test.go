package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// needRedis returns RAMPART_TEST_REDIS, skipping without it (failing
// under CI=true, where Redis is part of the contract).
func needRedis(t testing.TB) string {
	t.Helper()
	url := os.Getenv("RAMPART_TEST_REDIS")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RAMPART_TEST_REDIS is not set under CI=true")
		}
		t.Skip("RAMPART_TEST_REDIS not set")
	}
	return url
}

// testRedis is a client on the shared test Redis, closed with the test.
func testRedis(t testing.TB) *redis.Client {
	t.Helper()
	c, err := NewRedisClient(needRedis(t), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("RAMPART_TEST_REDIS does not answer: %v", err)
	}
	return c
}

// uniquePrefix keeps concurrent tests and runs apart on a shared Redis.
// The keys carry PX expiries, so nothing needs deleting afterwards.
func uniquePrefix(t testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "rampart-test:" + t.Name() + ":" + hex.EncodeToString(b) + ":"
}

// redisServer is a throwaway redis-server this test owns (and may kill):
// the shared one at 6379 must never be stopped.
type redisServer struct {
	t    testing.TB
	port int
	cmd  *exec.Cmd
}

func (s *redisServer) URL() string { return "redis://127.0.0.1:" + strconv.Itoa(s.port) + "/0" }

// startRedisServer runs redis-server on a free port, skipping when the
// binary is missing (failing under CI=true).
func startRedisServer(t testing.TB) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not on PATH under CI=true")
		}
		t.Skip("redis-server not on PATH")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &redisServer{t: t, port: ln.Addr().(*net.TCPAddr).Port}
	ln.Close()
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its port and waits until it answers.
func (s *redisServer) Start() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(s.port), MaxRetries: -1})
	defer c.Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatal("redis-server did not start")
		}
	}
}

// Stop kills the server (as a crash would) and waits for it to exit.
func (s *redisServer) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}
