package chaos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"time"

	"github.com/vanthu/vanthu/internal/pwbacktest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
)

// The uploads that leave orphans are held in PostgreSQL by a trigger on
// their rows (subject prefix orphanSubject) while the instance is killed.
const (
	orphanSubject  = "Chaos orphan"
	orphanUser     = "chaos-orphans"
	orphanPassword = "chaos-orphans-password-1"
	orphanHold     = 20 * time.Second // pg_sleep of the trigger: longer than the kill takes
)

// orphans makes unreferenced blobs the way a crash does, deterministically:
// n document uploads on one instance, each of whose blob is written while
// its row is held before it commits (a trigger sleeps on the insert of
// these rows only), and the instance is killed (kill -9) once the blob is
// in the bucket and restarted at once. PostgreSQL rolls the transaction
// back: a blob no committed row references, which the checks require to
// be exactly what the blob collector would take. The planted keys are
// returned.
func (j *injector) orphans(ctx context.Context, n int) ([]string, error) {
	e := j.e
	in := e.insts[j.rng.IntN(len(e.insts))]
	// lock_timeout: the DDL waits for no long transaction, and so never
	// queues the load's statements behind it for long.
	hold := fmt.Sprintf(`SET lock_timeout = '10s';
CREATE OR REPLACE FUNCTION chaos_hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(%d); RETURN NEW; END $$;
CREATE TRIGGER chaos_hold BEFORE INSERT ON documents FOR EACH ROW WHEN (NEW.subject LIKE '%s%%') EXECUTE FUNCTION chaos_hold();`,
		int(orphanHold.Seconds()), orphanSubject)
	if _, err := e.pg.Query(ctx, "postgres", hold); err != nil {
		return nil, err
	}
	defer e.pg.Query(context.WithoutCancel(ctx), "postgres", "SET lock_timeout = '30s'; DROP TRIGGER IF EXISTS chaos_hold ON documents; DROP FUNCTION IF EXISTS chaos_hold()")
	st, err := minio.New(ctx, minio.Config{Endpoint: e.s3.Addr(), AccessKey: s3User, SecretKey: s3Key, Bucket: "vanthu-work"})
	if err != nil {
		return nil, err
	}
	var keys []string
	for i := range n {
		clerk, err := orphanClerk(ctx, in.URL())
		if err != nil {
			return keys, err
		}
		pdf := testpdf.Make(1, fmt.Sprintf("chaos orphan %d, seed %d", i+1, e.cfg.Seed))
		sum := sha256.Sum256(pdf)
		key := workflow.BlobKey(hex.EncodeToString(sum[:]))
		answered := make(chan error, 1)
		go func() { answered <- clerk.uploadIncoming(ctx, fmt.Sprintf("%s %d", orphanSubject, i+1), pdf) }()
		// Kill once the blob is written (the row is then held by the
		// trigger, or about to be).
		err = waitFor(ctx, orphanHold/2, func() bool {
			_, err := st.Stat(ctx, key)
			return err == nil
		})
		if err != nil {
			return keys, fmt.Errorf("orphan upload %d on %s: its blob %s was not written: %w (answer: %v)", i+1, in.Name, key, err, drain(answered))
		}
		in.Kill9()
		e.logf("kill -9 %s with an upload's blob written and its row not committed (%s)", in.Name, key)
		// The held insert's backend would sleep on, and keep the rows it
		// locked, until the trigger's pg_sleep ends: end it now (its
		// client is gone; the transaction rolls back either way).
		if _, err := e.pg.Query(ctx, "postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'"); err != nil {
			return keys, err
		}
		if err := <-answered; err == nil {
			return keys, fmt.Errorf("orphan upload %d on %s was acknowledged although its instance was killed before its row committed", i+1, in.Name)
		}
		if err := in.Start(ctx); err != nil {
			return keys, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}

func drain(c <-chan error) error {
	select {
	case err := <-c:
		return err
	default:
		return fmt.Errorf("none yet")
	}
}

// orphanClerk logs in (creating it on first use) the clerk whose uploads
// leave orphans.
func orphanClerk(ctx context.Context, base string) (*api, error) {
	admin, err := login(ctx, base)
	if err != nil {
		return nil, err
	}
	code, err := admin.call(ctx, "POST", "/api/v1/users", map[string]any{"username": orphanUser, "password": orphanPassword,
		"full_name": "Văn thư thử", "roles": []string{"clerk"}}, nil)
	if err != nil || (code != http.StatusCreated && code != http.StatusConflict) {
		return nil, fmt.Errorf("create %s: %d %v", orphanUser, code, err)
	}
	c := &api{base: base, hc: &http.Client{Timeout: time.Minute}}
	var out struct {
		Token string
		User  struct {
			MustChangePassword bool `json:"must_change_password"`
		}
	}
	if code, err := c.call(ctx, "POST", "/api/v1/auth/login", map[string]string{"username": orphanUser, "password": orphanPassword}, &out); err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("login %s on %s: %d %v", orphanUser, base, code, err)
	}
	c.token = out.Token
	if out.User.MustChangePassword {
		// Created by the admin: the first login's change, then back to
		// orphanPassword (the next run logs in with it).
		for _, step := range pwbacktest.Steps(orphanPassword) {
			code, err := c.call(ctx, "POST", "/api/v1/auth/password", map[string]string{"current_password": step[0], "new_password": step[1]}, nil)
			if err != nil || code != http.StatusOK {
				return nil, fmt.Errorf("change the password of %s on %s: %d %v", orphanUser, base, code, err)
			}
		}
	}
	return c, nil
}

// uploadIncoming registers an incoming document with pdf; an error unless
// it was acknowledged (201).
func (a *api) uploadIncoming(ctx context.Context, subject string, pdf []byte) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	meta, _ := json.Marshal(map[string]any{"direction": "incoming", "type": "CV", "subject": subject, "urgency": "normal",
		"confidentiality": "normal", "sender": map[string]string{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"},
		"original_number": "1/UBND-VP", "original_date": "2026-11-20"})
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="meta"`)
	h.Set("Content-Type", "application/json")
	pw, _ := mw.CreatePart(h)
	pw.Write(meta)
	fw, _ := mw.CreateFormFile("file", "congvan.pdf")
	fw.Write(pdf)
	mw.Close()
	req, err := http.NewRequestWithContext(ctx, "POST", a.base+"/api/v1/documents", &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("upload: %d", resp.StatusCode)
	}
	return nil
}
