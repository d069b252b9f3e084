package workflowtest

import (
	"context"
	"sync"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// MailSettings is an in-memory workflow.MailSettingsStore (the zero
// value is ready).
type MailSettings struct {
	mu     sync.Mutex
	m      map[string]workflow.MailSettings
	events []workflow.Event // of the changes, in order
}

// UserMail implements workflow.MailSettingsStore.
func (s *MailSettings) UserMail(_ context.Context, id string) (workflow.MailSettings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id], nil
}

// SetUserMail implements workflow.MailSettingsStore.
func (s *MailSettings) SetUserMail(_ context.Context, actorID, id string, v workflow.MailSettings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]workflow.MailSettings{}
	}
	if e := workflow.MailChanged(actorID, id, s.m[id], v, time.Now()); e != nil {
		s.events = append(s.events, *e)
	}
	s.m[id] = v
	return nil
}

// Get returns user id's settings, as UserMail, for a test's check.
func (s *MailSettings) Get(id string) workflow.MailSettings {
	v, _ := s.UserMail(context.Background(), id)
	return v
}

// Events returns the audit events of the changes so far, in order.
func (s *MailSettings) Events() []workflow.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]workflow.Event(nil), s.events...)
}
