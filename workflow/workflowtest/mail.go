package workflowtest

import (
	"context"
	"sync"

	"github.com/vanthu/vanthu/workflow"
)

// MailSettings is an in-memory workflow.MailSettingsStore (the zero
// value is ready).
type MailSettings struct {
	mu sync.Mutex
	m  map[string]workflow.MailSettings
}

// UserMail implements workflow.MailSettingsStore.
func (s *MailSettings) UserMail(_ context.Context, id string) (workflow.MailSettings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id], nil
}

// SetUserMail implements workflow.MailSettingsStore.
func (s *MailSettings) SetUserMail(_ context.Context, id string, v workflow.MailSettings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]workflow.MailSettings{}
	}
	s.m[id] = v
	return nil
}

// Get returns user id's settings, as UserMail, for a test's check.
func (s *MailSettings) Get(id string) workflow.MailSettings {
	v, _ := s.UserMail(context.Background(), id)
	return v
}
