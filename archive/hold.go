package archive

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/vanthu/vanthu/internal/mediatype"
	"github.com/vanthu/vanthu/workflow"
)

// Readers of the archive: archivists, clerks and admins.
var readerRoles = []workflow.Role{workflow.RoleArchivist, workflow.RoleClerk, workflow.RoleAdmin}

func roleErr(what string, roles []workflow.Role) error {
	names := ""
	for i, r := range roles {
		if i > 0 {
			names += " or "
		}
		names += string(r)
	}
	return workflow.Errorf(workflow.EFORBIDDEN, "%s needs role %s", what, names)
}

// visibleRecord returns the record of an archived document the actor may
// see; ENOTFOUND otherwise (classified documents are not revealed).
func (s *Service) visibleRecord(ctx context.Context, actor *workflow.User, docID string) (*workflow.Document, *Record, error) {
	if s.Repo == nil || s.Index == nil {
		return nil, nil, workflow.Errorf(workflow.EUNAVAILABLE, "the archive is not configured on this server")
	}
	d, err := workflow.VisibleDocument(ctx, s.Repo, actor, docID)
	if err != nil {
		return nil, nil, err
	}
	if d.State != workflow.Archived {
		return nil, nil, workflow.Errorf(workflow.ENOTFOUND, "document %s is not archived (state %s)", docID, d.State)
	}
	rec, err := s.Index.Record(ctx, docID)
	if err != nil {
		return nil, nil, fmt.Errorf("archived record of %s: %w", docID, err)
	}
	return d, rec, nil
}

// Get returns the record of an archived document for a reader.
func (s *Service) Get(ctx context.Context, actor *workflow.User, docID string) (*Record, error) {
	if !actor.HasAny(readerRoles) {
		return nil, roleErr("reading the archive", readerRoles)
	}
	_, rec, err := s.visibleRecord(ctx, actor, docID)
	return rec, err
}

// Open streams one object of a record by its name within the record;
// verification.json and events.json also when the record's metadata.json
// carries them (Parts). The record is returned with the object (for
// DownloadName).
func (s *Service) Open(ctx context.Context, actor *workflow.User, docID, name string) (io.ReadCloser, *Record, Object, error) {
	rec, err := s.Get(ctx, actor, docID)
	if err != nil {
		return nil, nil, Object{}, err
	}
	if err := s.gone(ctx, docID); err != nil {
		return nil, nil, Object{}, err
	}
	for _, o := range rec.Objects {
		if o.Name == name {
			rc, _, err := s.Store.Get(ctx, o.Key)
			if err != nil {
				return nil, nil, Object{}, storeErr(err, "archive store: read %s", o.Key)
			}
			if err := s.recordUse(ctx, actor, docID, "retrieve", name); err != nil {
				rc.Close()
				return nil, nil, Object{}, err
			}
			return rc, rec, o, nil
		}
	}
	if name == NameVerification || name == NameEvents {
		rc, o, ok, err := s.openPart(ctx, rec, name)
		if err != nil {
			return nil, nil, Object{}, err
		}
		if ok {
			if err := s.recordUse(ctx, actor, docID, "retrieve", name); err != nil {
				return nil, nil, Object{}, err
			}
			return rc, rec, o, nil
		}
	}
	return nil, nil, Object{}, workflow.Errorf(workflow.ENOTFOUND, "record of %s has no object %q", docID, name)
}

// Stat is Open without the content, for a HEAD: the object and the
// type of its content, from a read of its first SniffLen bytes
// (workflow.ReadHead: records archived before the type was recorded say
// application/pdf whatever they hold), or for a file the metadata.json
// carries (verification.json, events.json) from the metadata, which is
// read. Nothing is retrieved, so no use is recorded. The record is
// returned as Open returns it.
func (s *Service) Stat(ctx context.Context, actor *workflow.User, docID, name string) (*Record, Object, string, error) {
	rec, err := s.Get(ctx, actor, docID)
	if err != nil {
		return nil, Object{}, "", err
	}
	if err := s.gone(ctx, docID); err != nil {
		return nil, Object{}, "", err
	}
	if o, ok := objectByName(rec, name); ok {
		head, err := workflow.ReadHead(ctx, s.Store, o.Key, mediatype.SniffLen)
		if err != nil {
			return nil, Object{}, "", storeErr(err, "archive store: read the head of %s", o.Key)
		}
		return rec, o, mediatype.Of(head, name), nil
	}
	if name == NameVerification || name == NameEvents {
		rc, o, ok, err := s.openPart(ctx, rec, name)
		if err != nil {
			return nil, Object{}, "", err
		}
		if ok {
			rc.Close()
			return rec, o, "application/json", nil
		}
	}
	return nil, Object{}, "", workflow.Errorf(workflow.ENOTFOUND, "record of %s has no object %q", docID, name)
}

// SetLegalHold turns the legal hold of an archived record on or off
// (archivists and admins): on every object in the store first, then on the
// document with its audit event (Docs, workflow.Service.SetLegalHold). A hold blocks deletion even after the
// retention date. Repeating it is harmless.
func (s *Service) SetLegalHold(ctx context.Context, actor *workflow.User, docID string, on bool, comment string) (*Record, error) {
	if err := workflow.CheckLegalHolder(actor); err != nil {
		return nil, err
	}
	if err := workflow.CheckComment(comment); err != nil {
		return nil, err // before any object's hold changes
	}
	if s.Docs == nil {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "legal holds are not wired on this server")
	}
	_, rec, err := s.visibleRecord(ctx, actor, docID)
	if err != nil {
		return nil, err
	}
	for _, o := range rec.Objects {
		if err := s.Store.SetLegalHold(ctx, o.Key, on); err != nil {
			return nil, storeErr(err, "archive store: legal hold on %s", o.Key)
		}
	}
	if err := s.Index.SetLegalHold(ctx, docID, on); err != nil {
		return nil, err
	}
	state := "off"
	if on {
		state = "on"
	}
	_, err = s.Docs.SetLegalHold(ctx, actor, docID, on, comment, map[string]string{"record": rec.Key})
	if err != nil {
		return nil, fmt.Errorf("legal hold on %s: %w", docID, err)
	}
	s.logger().InfoContext(ctx, "legal hold", "doc_id", docID, "legal_hold", state, "actor", actor.ID)
	rec.LegalHold = on
	for i := range rec.Objects {
		rec.Objects[i].LegalHold = on
	}
	return rec, nil
}

// Dispose deletes an archived record's objects once its retention has
// ended and no legal hold is on; before that it is EFORBIDDEN with the
// reason (and the store itself refuses as well: S3 object lock, or the
// local folder's checks). It deletes objects only: disposal of a record
// follows an approved decision, and RunDisposal (disposal.go) does it.
func (s *Service) Dispose(ctx context.Context, docID string) error {
	rec, err := s.Index.Record(ctx, docID)
	if err != nil {
		return err
	}
	if err := refuseDelete(rec, s.now()); err != nil {
		return err
	}
	for _, o := range rec.Objects {
		if err := s.Store.Delete(ctx, o.Key); err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
			return storeErr(err, "archive store: delete %s", o.Key)
		}
	}
	return nil
}

// refuseDelete says why a record may not be deleted now, or nil.
func refuseDelete(rec *Record, now time.Time) error {
	if rec.LegalHold {
		return workflow.Errorf(workflow.EFORBIDDEN, "record of %s is under legal hold: it cannot be deleted or changed until the hold is lifted", rec.DocumentID)
	}
	if now.Before(rec.RetainUntil) {
		return workflow.Errorf(workflow.EFORBIDDEN, "record of %s is write-once until %s (retention class %s): it cannot be deleted or changed before then", rec.DocumentID, rec.RetainUntil.UTC().Format(time.RFC3339), rec.Class)
	}
	return nil
}

// Delete is what the API answers to a request to delete an archived
// record: always refused, with the reason.
func (s *Service) Delete(ctx context.Context, actor *workflow.User, docID string) error {
	if !actor.HasAny(readerRoles) {
		return roleErr("the archive", readerRoles)
	}
	_, rec, err := s.visibleRecord(ctx, actor, docID)
	if err != nil {
		return err
	}
	if err := refuseDelete(rec, s.now()); err != nil {
		return err
	}
	return workflow.Errorf(workflow.EFORBIDDEN, "record of %s is past its retention date, but archived records are not deleted through the API: disposal follows an approved decision: put it on a disposal list (/api/v1/archive/disposals)", docID)
}

// Search finds archived records the actor may see.
func (s *Service) Search(ctx context.Context, actor *workflow.User, q Query) ([]*Record, string, error) {
	q, err := s.visibleQuery(actor, q)
	if err != nil {
		return nil, "", err
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	return s.Index.Search(ctx, q)
}

// Count counts the archived records Search finds for the actor on all
// its pages: one COUNT query.
func (s *Service) Count(ctx context.Context, actor *workflow.User, q Query) (int, error) {
	q, err := s.visibleQuery(actor, q)
	if err != nil {
		return 0, err
	}
	return s.Index.Count(ctx, q)
}

// SearchCount is Search with Count's total, both read in one snapshot of
// the index (workflow.InSnapshot): a record archived between the page and
// the count cannot make the total disagree with the pages.
func (s *Service) SearchCount(ctx context.Context, actor *workflow.User, q Query) (recs []*Record, next string, total int, err error) {
	err = workflow.InSnapshot(ctx, s.Index, func(ctx context.Context) error {
		if recs, next, err = s.Search(ctx, actor, q); err != nil {
			return err
		}
		total, err = s.Count(ctx, actor, q)
		return err
	})
	return recs, next, total, err
}

// visibleQuery is q restricted to the records actor may see; EFORBIDDEN
// for a role that does not search the archive, EUNAVAILABLE without one.
func (s *Service) visibleQuery(actor *workflow.User, q Query) (Query, error) {
	if !actor.HasAny(readerRoles) {
		return q, roleErr("searching the archive", readerRoles)
	}
	if s.Index == nil {
		return q, workflow.Errorf(workflow.EUNAVAILABLE, "the archive is not configured on this server")
	}
	q.ViewerID, q.SeeAll = actor.ID, workflow.SeesAllClassified(actor)
	return q, nil
}

// recordUse writes an audit event for a use of an archived record (a
// file read or a package export): the reform report counts the records
// used. Without a repository nothing is recorded.
func (s *Service) recordUse(ctx context.Context, actor *workflow.User, docID, use, name string) error {
	if s.Repo == nil {
		return nil
	}
	data := map[string]string{"use": use}
	if name != "" {
		data["name"] = name
	}
	err := s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		return tx.AppendEvent(ctx, &workflow.Event{DocumentID: docID, Actor: actor.ID, Kind: workflow.EventArchiveUse, At: s.now(), Data: data})
	})
	if err != nil {
		return fmt.Errorf("record the %s of %s: %w", use, docID, err)
	}
	return nil
}
