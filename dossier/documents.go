package dossier

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/identity"
)

// cleanFileName keeps the base name of an upload, printable and short, with
// the extension its detected type calls for.
func cleanFileName(name, contentType string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '/' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." {
		name = "giay-to"
	}
	ext := blob.Extension(contentType)
	base := strings.TrimSuffix(name, path.Ext(name))
	for utf8.RuneCountInString(base) > 120 {
		_, size := utf8.DecodeLastRuneInString(base)
		base = base[:len(base)-size]
	}
	return base + ext
}

// Upload puts a file into owner's personal document store. The type comes
// from the content; a file the owner already has is not stored twice, and
// created says whether this upload added it.
func (s *Service) Upload(ctx context.Context, owner *identity.Account, name string, r io.Reader, req Request) (doc Document, created bool, err error) {
	if owner == nil {
		return Document{}, false, refuse(egov.ErrForbidden, "Vui lòng đăng nhập để tải giấy tờ lên.")
	}
	return s.storeDocument(ctx, owner.ID, owner, DocumentUpload, name, r, req)
}

// Discard removes documents that owner uploaded with a request that then
// failed, so that a refused dossier leaves nothing behind. Documents that a
// dossier uses are kept. The files stay in the blob store, unreferenced.
func (s *Service) Discard(ctx context.Context, owner *identity.Account, ids []int64) error {
	if owner == nil || len(ids) == 0 {
		return nil
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = $1 AND owner_id = $2 AND kind = 'upload'
				AND NOT EXISTS (SELECT 1 FROM dossier_papers p WHERE p.document_id = documents.id)
				AND NOT EXISTS (SELECT 1 FROM dossiers d WHERE d.result_document_id = documents.id)`, id, owner.ID); err != nil {
				return fmt.Errorf("discard document %d: %w", id, err)
			}
		}
		return nil
	})
}

func (s *Service) storeDocument(ctx context.Context, ownerID int64, actor *identity.Account, kind DocumentKind, name string, r io.Reader, req Request) (doc Document, created bool, err error) {
	// The file goes to the blob store first: if the transaction below fails
	// or the process dies, an unreferenced blob is left, never a reference
	// to a missing file.
	ref, err := s.blobs.Put(ctx, r, blob.Limits{MaxBytes: s.cfg.MaxFileBytes})
	if err != nil {
		return Document{}, false, fmt.Errorf("upload %q: %w", name, err)
	}
	doc = Document{OwnerID: ownerID, Kind: kind, Name: cleanFileName(name, ref.ContentType), Hash: ref.Hash,
		Size: ref.Size, ContentType: ref.ContentType, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id, name, created_at FROM documents WHERE owner_id = $1 AND kind = $2 AND blob_hash = $3`,
			ownerID, string(kind), ref.Hash).Scan(&doc.ID, &doc.Name, &doc.CreatedAt)
		if err == nil {
			doc.CreatedAt = doc.CreatedAt.UTC()
			return nil // already in the store
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find document: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO documents (owner_id, kind, name, blob_hash, size, content_type, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			ownerID, string(kind), doc.Name, ref.Hash, ref.Size, ref.ContentType, doc.CreatedAt).Scan(&doc.ID); err != nil {
			return fmt.Errorf("save document: %w", err)
		}
		created = true
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "document.uploaded",
			Subject: "document:" + itoa(doc.ID), Details: map[string]any{"hash": ref.Hash, "size": ref.Size,
				"content_type": ref.ContentType, "owner_id": ownerID}})
		return err
	})
	return doc, created && err == nil, err
}

// Documents lists owner's personal document store, newest first.
func (s *Service) Documents(ctx context.Context, owner *identity.Account) ([]Document, error) {
	if owner == nil {
		return nil, refuse(egov.ErrForbidden, "Vui lòng đăng nhập.")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+documentColumns+documentFrom+` WHERE doc.owner_id = $1 ORDER BY doc.created_at DESC, doc.id DESC`, owner.ID)
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	defer rows.Close()
	out := []Document{}
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, fmt.Errorf("documents: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Document returns a document that actor may read: their own, or a paper
// or result of a dossier of an agency the actor works for.
func (s *Service) Document(ctx context.Context, actor *identity.Account, id int64) (Document, error) {
	doc, err := documentByID(ctx, s.db, id)
	if err != nil {
		return doc, err
	}
	if actor == nil {
		return doc, refuse(egov.ErrForbidden, "Vui lòng đăng nhập.")
	}
	if doc.OwnerID == actor.ID {
		if doc.Kind == DocumentResult && doc.DossierCode != "" {
			if err := s.resultReleased(ctx, doc.DossierCode); err != nil {
				return Document{}, err
			}
		}
		return doc, nil
	}
	if actor.Kind == identity.KindOfficial {
		rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT d.agency_code, COALESCE(d.handler_agency, d.agency_code) FROM dossiers d
			LEFT JOIN dossier_papers p ON p.dossier_id = d.id
			WHERE (p.document_id = $1 OR d.result_document_id = $1) AND d.status <> 'draft'`, id)
		if err != nil {
			return doc, fmt.Errorf("document %d: %w", id, err)
		}
		defer rows.Close()
		for rows.Next() {
			var d Dossier
			if err := rows.Scan(&d.AgencyCode, &d.HandlerAgency); err != nil {
				return doc, fmt.Errorf("document %d: %w", id, err)
			}
			d.Status = StatusSubmitted
			if mayView(actor, &d) {
				return doc, nil
			}
		}
		if err := rows.Err(); err != nil {
			return doc, fmt.Errorf("document %d: %w", id, err)
		}
	}
	// Not found rather than forbidden: whether a number is someone's
	// document is not for strangers to learn.
	return Document{}, fmt.Errorf("document %d: %w", id, egov.ErrNotFound)
}

// OpenDocument returns a document actor may read with its content.
func (s *Service) OpenDocument(ctx context.Context, actor *identity.Account, id int64) (Document, io.ReadSeekCloser, error) {
	doc, err := s.Document(ctx, actor, id)
	if err != nil {
		return doc, nil, err
	}
	f, err := s.blobs.Open(ctx, doc.Hash)
	if err != nil {
		return doc, nil, fmt.Errorf("open document %d: %w", id, err)
	}
	return doc, f, nil
}
