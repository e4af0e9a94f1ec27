package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
)

var (
	_ orm.Auditor        = (*Trail)(nil)
	_ identity.EventSink = (*Trail)(nil)
)

// Record implements orm.Auditor. The orm calls it with the change's own
// transaction for create/write/unlink, and with a short transaction of its
// own for denials and sudo reads (written after the request's transaction
// ended, so they survive its rollback).
func (t *Trail) Record(e *orm.Env, tx *store.Tx, ev orm.AuditEvent) error {
	en := Entry{
		UserID:    ev.UserID,
		Op:        Op(ev.Op),
		Model:     ev.Model,
		IDs:       ev.IDs,
		Fields:    ev.Fields,
		Route:     ev.Route,
		RequestID: ev.RequestID,
		Detail:    ev.Method,
	}
	if e != nil && e.User() != nil {
		en.Login = e.User().Login
	}
	if e != nil && t.reqInfo != nil {
		// The transport knows what the Env does not: the client address,
		// and who really authenticated (an Env switched with WithUser acts
		// as someone else).
		if ri, ok := t.reqInfo(e.Ctx()); ok {
			en.ClientIP = ri.ClientIP
			if ri.RealUserID != 0 {
				en.RealUserID = ri.RealUserID
			}
		}
	}
	switch {
	case ev.Op == orm.AuditDenied:
		// The client-safe refusal text says which check refused; keep the
		// first line, the rest is Odoo's boilerplate.
		en.Detail = ev.Method + ": " + firstLine(ev.Reason)
	case ev.Sudo && ev.Op != orm.AuditSudo:
		// A change made under sudo: the op stays create/write/unlink, the
		// reason says why checks were bypassed.
		en.Detail = ev.Method + " (sudo)"
	}
	if ev.Sudo {
		en.Reason = ev.SudoReason
	}
	if ev.Op == orm.AuditUnlink && ev.Reason != "" {
		en.Detail = ev.Method + ": " + ev.Reason // e.g. deleted with the parent (cascade)
	}
	en.Changes = keepChanges(ev.Changes, ev.IDs)
	if ev.Op == orm.AuditDenied {
		// Aggregated before the ids are capped: denials that differ only
		// by the ids they named are one series.
		t.stamp(&en)
		if !t.admit(&en) {
			return nil // counted in its series of identical denials
		}
	}
	capIDs(&en)
	ctx := context.Background()
	if e != nil {
		ctx = e.Ctx()
	}
	return t.Append(ctx, tx, en)
}

// maxIDs bounds the ids one entry keeps: a denied read of 100,000 ids
// must not store a 700 KB row. The entry keeps the first maxIDs, and its
// detail the count and a hash of the whole list, so the list can still be
// matched against a suspect one.
const maxIDs = 100

func capIDs(en *Entry) {
	if len(en.IDs) <= maxIDs {
		return
	}
	h := sha256.New()
	var b [8]byte
	for _, id := range en.IDs {
		binary.BigEndian.PutUint64(b[:], uint64(id))
		h.Write(b[:])
	}
	en.Detail = fmt.Sprintf("%s [%d ids, first %d kept, sha256 %x]", en.Detail, len(en.IDs), maxIDs, h.Sum(nil))
	en.IDs = en.IDs[:maxIDs:maxIDs]
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// authOps maps identity's events to trail operations; events not listed
// keep identity's name.
var authOps = map[identity.EventType]Op{
	identity.EventLogin:       OpLogin,
	identity.EventLoginFailed: OpLoginFail,
	identity.EventLogout:      OpLogout,
	identity.EventKeyCreated:  OpKeyCreated,
	identity.EventKeyRevoked:  OpKeyRevoked,
}

// AuthEvent implements identity.EventSink. identity calls it after its own
// transaction committed; the entry is queued and written by the
// background writer so that a login never waits on (or fails because of)
// the trail. Flush waits for it.
func (t *Trail) AuthEvent(ctx context.Context, ev identity.AuthEvent) {
	op, ok := authOps[ev.Type]
	if !ok {
		op = Op(ev.Type)
	}
	en := Entry{
		Time:       ev.Time,
		UserID:     ev.UserID,
		Login:      ev.Login,
		RealUserID: ev.ActorID,
		Op:         op,
		Detail:     ev.Reason,
	}
	if ev.Client.IsValid() {
		en.ClientIP = ev.Client.String()
	}
	if ev.KeyID != 0 {
		en.Model = "res.users.apikeys"
		en.IDs = []int64{ev.KeyID}
	}
	t.Detached(en)
}
