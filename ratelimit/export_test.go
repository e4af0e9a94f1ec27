package ratelimit

// NeedRedis lets the external test package share the Redis test helper.
var NeedRedis = needRedis
