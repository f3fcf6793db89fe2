-- +goose Up
-- e-Cabinet: the meetings and written opinion ballots of a body such as the
-- Government or a provincial People's Committee.
CREATE TABLE cabinet_bodies (
    id          INTEGER PRIMARY KEY,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    name        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE cabinet_members (
    body_id    INTEGER NOT NULL REFERENCES cabinet_bodies (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    role       TEXT NOT NULL CHECK (role IN ('chair', 'member', 'secretary')),
    PRIMARY KEY (body_id, account_id)
);
CREATE INDEX cabinet_members_account ON cabinet_members (account_id);

CREATE TABLE cabinet_meetings (
    id           INTEGER PRIMARY KEY,
    body_id      INTEGER NOT NULL REFERENCES cabinet_bodies (id),
    title        TEXT NOT NULL,
    starts_at    TIMESTAMP NOT NULL,
    location     TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('planned', 'closed')),
    conclusions  TEXT NOT NULL DEFAULT '',
    minutes_id   INTEGER, -- the minutes among the meeting's documents
    created_by   INTEGER NOT NULL REFERENCES accounts (id),
    created_at   TIMESTAMP NOT NULL,
    closed_at    TIMESTAMP
);

CREATE TABLE cabinet_items (
    id         INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES cabinet_meetings (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    presenter  TEXT NOT NULL DEFAULT '',
    summary    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE cabinet_invitees (
    meeting_id INTEGER NOT NULL REFERENCES cabinet_meetings (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    kind       TEXT NOT NULL CHECK (kind IN ('member', 'guest')),
    attended   INTEGER, -- NULL until recorded
    PRIMARY KEY (meeting_id, account_id)
);
CREATE INDEX cabinet_invitees_account ON cabinet_invitees (account_id);

CREATE TABLE cabinet_ballots (
    id          INTEGER PRIMARY KEY,
    body_id     INTEGER NOT NULL REFERENCES cabinet_bodies (id),
    question    TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '',
    deadline    TIMESTAMP NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    summary     TEXT NOT NULL DEFAULT '',
    created_by  INTEGER NOT NULL REFERENCES accounts (id),
    created_at  TIMESTAMP NOT NULL,
    reminded_at TIMESTAMP,
    closed_at   TIMESTAMP
);

CREATE TABLE cabinet_recipients (
    ballot_id  INTEGER NOT NULL REFERENCES cabinet_ballots (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (ballot_id, account_id)
);
CREATE INDEX cabinet_recipients_account ON cabinet_recipients (account_id);

CREATE TABLE cabinet_votes (
    ballot_id  INTEGER NOT NULL REFERENCES cabinet_ballots (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    choice     TEXT NOT NULL CHECK (choice IN ('agree', 'disagree', 'other')),
    comment    TEXT NOT NULL DEFAULT '',
    voted_at   TIMESTAMP NOT NULL,
    changes    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ballot_id, account_id)
);

-- Documents of meetings and ballots, confidential to those invited or
-- asked; the files are in the blob store.
CREATE TABLE cabinet_documents (
    id           INTEGER PRIMARY KEY,
    meeting_id   INTEGER REFERENCES cabinet_meetings (id) ON DELETE CASCADE,
    item_id      INTEGER REFERENCES cabinet_items (id) ON DELETE CASCADE,
    ballot_id    INTEGER REFERENCES cabinet_ballots (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    blob_hash    TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    added_by     INTEGER NOT NULL REFERENCES accounts (id),
    added_at     TIMESTAMP NOT NULL
);
CREATE INDEX cabinet_documents_meeting ON cabinet_documents (meeting_id);
CREATE INDEX cabinet_documents_ballot ON cabinet_documents (ballot_id);

-- +goose Down
DROP TABLE cabinet_documents;
DROP TABLE cabinet_votes;
DROP TABLE cabinet_recipients;
DROP TABLE cabinet_ballots;
DROP TABLE cabinet_invitees;
DROP TABLE cabinet_items;
DROP TABLE cabinet_meetings;
DROP TABLE cabinet_members;
DROP TABLE cabinet_bodies;
