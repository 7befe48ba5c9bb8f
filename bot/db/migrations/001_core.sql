-- Shared tables: key/value facts of the bot itself, and the ledger of every scored answer.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per scored answer from any competitive source (daily posts, battle rounds). Leaderboards
-- (points, accuracy) read only this table; solo quizzes never write here, so they cannot be farmed.
CREATE TABLE score_events (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('daily', 'battle')),
    ref         TEXT    NOT NULL,           -- what was answered: 'post:<id>', 'battle:<id>:<round>'
    points      INTEGER NOT NULL CHECK (points >= 0),
    correct     INTEGER CHECK (correct IN (0, 1)),  -- NULL where the answer is not graded (open question)
    created_at  TEXT    NOT NULL,           -- UTC, ISO 8601 (bot.db.utc_iso)
    UNIQUE (source, ref, user_id)
);
CREATE INDEX score_events_by_guild_time ON score_events (guild_id, created_at);
CREATE INDEX score_events_by_guild_user ON score_events (guild_id, user_id);
