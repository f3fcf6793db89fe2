-- +goose Up
-- Written by a periodic job: if it grows old, background work has stopped.
CREATE TABLE job_heartbeat (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    beat_at TIMESTAMP NOT NULL,
    worker  TEXT NOT NULL
);

-- +goose Down
DROP TABLE job_heartbeat;
