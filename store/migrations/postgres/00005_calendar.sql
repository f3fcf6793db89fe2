-- +goose Up
-- Administrators' amendments to the working-day calendar shipped with the
-- program (calendar/holidays.json). A row overrides the shipped entry of its
-- day: 'off' makes it a day off, 'working' a working day (a swapped
-- Saturday), and 'normal' removes the shipped entry, so that the day follows
-- the weekday rule again (Monday to Friday work, Saturday and Sunday off).
CREATE TABLE calendar_days (
    day        TEXT PRIMARY KEY CHECK (day LIKE '____-__-__'), -- YYYY-MM-DD, a civil date in Vietnam
    kind       TEXT NOT NULL CHECK (kind IN ('off', 'working', 'normal')),
    name       TEXT NOT NULL DEFAULT '', -- "Tết Nguyên đán", "Làm bù cho thứ Sáu 02/5/2025"
    source     TEXT NOT NULL DEFAULT '', -- the notice it comes from: "Thông báo 9441/TB-BNV"
    updated_by TEXT NOT NULL,            -- the audit log's actor
    updated_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE calendar_days;
