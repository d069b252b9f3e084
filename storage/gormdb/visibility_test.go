package gormdb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestVisibilityIsCanSee: the SQL of lists, searches and the archive
// search shows a user exactly the documents workflow.CanSee lets them
// open, for every level of confidentiality and every relation to it.
func TestVisibilityIsCanSee(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		idx := gormdb.NewArchiveIndex(db)
		levels := []workflow.Confidentiality{workflow.Public, workflow.Confidential, workflow.Secret, workflow.TopSecret}
		relations := []string{"none", "signer", "assignee", "creator"}
		var docs []*workflow.Document
		for i, c := range levels {
			for j, rel := range relations {
				d := incomingDoc(fmt.Sprintf("v%d%d", i, j), i*4+j)
				d.Confidentiality, d.State = c, workflow.Archived
				d.SignerID, d.AssigneeID, d.CreatedBy = "u-other", "u-other", "u-other"
				switch rel {
				case "signer":
					d.SignerID = "u-x"
				case "assignee":
					d.AssigneeID = "u-x"
				case "creator":
					d.CreatedBy = "u-x"
				}
				docs = append(docs, d)
			}
		}
		create(t, db, docs...)
		for _, d := range docs {
			r := &archive.Record{DocumentID: d.ID, Version: 1, Key: archive.Prefix(d.ID, 1), Class: "10y", ArchivedAt: t0,
				RetainUntil: t0.AddDate(10, 0, 0), Direction: d.Direction, Type: d.Type, Subject: d.Subject,
				Confidentiality: d.Confidentiality, SignerID: d.SignerID, AssigneeID: d.AssigneeID, CreatedBy: d.CreatedBy}
			if err := idx.PutRecord(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []*workflow.User{
			{ID: "u-x", Roles: []workflow.Role{workflow.RoleOfficer}},
			{ID: "u-y", Roles: []workflow.Role{workflow.RoleArchivist}},
			{ID: "u-x", Roles: []workflow.Role{workflow.RoleClerk}},
			{ID: "u-z", Roles: []workflow.Role{workflow.RoleAdmin}},
		} {
			var want []string
			for _, d := range docs {
				if workflow.CanSee(d, u) {
					want = append(want, d.ID)
				}
			}
			seeAll := workflow.SeesAllClassified(u)
			listed, _, err := db.Documents(ctx, workflow.DocumentFilter{ViewerID: u.ID, SeeAll: seeAll, Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range listed {
				got = append(got, d.ID)
			}
			recs, _, err := idx.Search(ctx, archive.Query{ViewerID: u.ID, SeeAll: seeAll, Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			var gotArchive []string
			for _, r := range recs {
				gotArchive = append(gotArchive, r.DocumentID)
			}
			slices.Sort(want)
			slices.Sort(got)
			slices.Sort(gotArchive)
			name := u.ID + "/" + string(u.Roles[0])
			if !slices.Equal(got, want) {
				t.Errorf("%s: documents %s, CanSee %s", name, strings.Join(got, ","), strings.Join(want, ","))
			}
			if !slices.Equal(gotArchive, want) {
				t.Errorf("%s: archive search %s, CanSee %s", name, strings.Join(gotArchive, ","), strings.Join(want, ","))
			}
		}
	})
}
