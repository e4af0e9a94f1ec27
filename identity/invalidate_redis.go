package identity

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisChannel is Redis pub/sub, for deployments that share a Redis (it
// reaches instances whatever their database). It owns its client: the
// rate limiter's has 100 ms read timeouts, wrong for a subscriber.
type RedisChannel struct {
	client  *redis.Client
	channel string
}

// NewRedisChannel connects lazily to url (redis:// or rediss://) and
// publishes on channel (give it the deployment's key prefix).
func NewRedisChannel(url, channel string) (*RedisChannel, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		// go-redis errors may echo the URL, and with it a password.
		return nil, errors.New("invalid redis URL (want redis://[user:password@]host:port/db)")
	}
	opt.DialTimeout = time.Second
	opt.ReadTimeout = time.Second
	opt.WriteTimeout = time.Second
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	return &RedisChannel{client: redis.NewClient(opt), channel: channel}, nil
}

// Name implements Channel.
func (*RedisChannel) Name() string { return "redis" }

// Publish implements Channel.
func (c *RedisChannel) Publish(ctx context.Context, msg string) error {
	return c.client.Publish(ctx, c.channel, msg).Err()
}

// Listen implements Channel. A silent connection is pinged every few
// seconds, so a dead Redis is noticed (and the cache TTL shortened)
// within about that time.
func (c *RedisChannel) Listen(ctx context.Context, ready func(), deliver func(string)) error {
	ps := c.client.Subscribe(ctx, c.channel)
	defer ps.Close()
	if _, err := ps.ReceiveTimeout(ctx, 2*time.Second); err != nil { // the subscription confirmation
		return fmt.Errorf("redis subscribe: %w", err)
	}
	ready()
	for {
		m, err := ps.ReceiveTimeout(ctx, 3*time.Second)
		var ne net.Error
		switch {
		case err == nil:
		case errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil:
			if err := ps.Ping(ctx); err != nil {
				return fmt.Errorf("redis ping: %w", err)
			}
			continue
		default:
			return err
		}
		if msg, ok := m.(*redis.Message); ok && msg.Channel == c.channel {
			deliver(msg.Payload)
		}
	}
}

// Close closes the client.
func (c *RedisChannel) Close() error { return c.client.Close() }
