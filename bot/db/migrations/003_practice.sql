-- Schema of solo quizzes, spaced-review cards and review logs.

-- One FSRS card per member and glossary term. A member's knowledge goes with them, so cards are not per
-- server. The columns are fsrs.Card's fields; `reps` counts reviews and guards against double clicks
-- (a rating applies only to the revision of the card it was shown for).
CREATE TABLE review_cards (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    term_id     TEXT    NOT NULL,
    state       INTEGER NOT NULL CHECK (state IN (1, 2, 3)),  -- fsrs.State: 1 learning, 2 review, 3 relearning
    step        INTEGER,                                      -- learning step; NULL in the review state
    stability   REAL,
    difficulty  REAL,
    due         TEXT    NOT NULL,                             -- UTC, ISO 8601 (bot.db.utc_iso)
    last_review TEXT,
    reps        INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    UNIQUE (user_id, term_id)
);
CREATE INDEX review_cards_by_user_due ON review_cards (user_id, due);

-- Every rating a card received: from /review ('review') or from a graded answer elsewhere ('answer':
-- daily posts, solo quizzes, battles).
CREATE TABLE review_logs (
    id          INTEGER PRIMARY KEY,
    card_id     INTEGER NOT NULL REFERENCES review_cards (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),  -- fsrs.Rating: again, hard, good, easy
    source      TEXT    NOT NULL CHECK (source IN ('review', 'answer')),
    reviewed_at TEXT    NOT NULL,
    duration_ms INTEGER
);
CREATE INDEX review_logs_by_user_time ON review_logs (user_id, reviewed_at);
CREATE INDEX review_logs_by_card ON review_logs (card_id);

-- A private multiple-choice session. guild_id is NULL when started in direct messages.
CREATE TABLE solo_sessions (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL,
    guild_id      INTEGER,
    chapter_key   TEXT,                                  -- NULL: every chapter
    mode          TEXT    NOT NULL CHECK (mode IN ('definition', 'term', 'mixed')),
    total         INTEGER NOT NULL CHECK (total BETWEEN 1 AND 20),
    status        TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'finished', 'timed_out')),
    started_at    TEXT    NOT NULL,
    last_activity TEXT    NOT NULL,                      -- the idle time-out counts from here
    ended_at      TEXT
);
CREATE INDEX solo_sessions_by_user ON solo_sessions (user_id, started_at);
CREATE INDEX solo_sessions_active ON solo_sessions (status, last_activity);

-- The questions of a session, written when it starts; the answer columns fill in as the member answers.
CREATE TABLE solo_questions (
    session_id  INTEGER NOT NULL REFERENCES solo_sessions (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,                        -- 0-based
    term_id     TEXT    NOT NULL,
    mode        TEXT    NOT NULL CHECK (mode IN ('definition', 'term')),
    prompt      TEXT    NOT NULL,                        -- as shown (masked definition, or the term)
    options     TEXT    NOT NULL,                        -- JSON list of four term ids
    answer      INTEGER NOT NULL CHECK (answer BETWEEN 0 AND 3),
    shown_at    TEXT,                                    -- when the question was put to the member
    choice      INTEGER CHECK (choice BETWEEN 0 AND 3),  -- NULL until answered
    correct     INTEGER CHECK (correct IN (0, 1)),
    answered_at TEXT,
    elapsed     REAL,                                    -- seconds from shown_at to answered_at
    PRIMARY KEY (session_id, position)
);
