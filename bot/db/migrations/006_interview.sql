-- Schema of mock interviews: the interviews, who is busy in one, and the questions with answers and marks.
--
-- Mock interviews are practice: nothing here reaches score_events, so they never move the leaderboard.

-- One row per interview. A solo interview starts 'active'; a pair interview starts 'invited' until the invited
-- member accepts. expires_at is when it ends by itself: an invitation lapses, an abandoned interview ends
-- (bot.core.interview.expires_at); the sweep reads it through the index below.
CREATE TABLE interviews (
    id                INTEGER PRIMARY KEY,
    kind              TEXT    NOT NULL CHECK (kind IN ('solo', 'pair')),
    guild_id          INTEGER,                      -- NULL: a solo interview in direct messages
    channel_id        INTEGER,                      -- where it was started
    thread_id         INTEGER,                      -- pair: the thread it runs in
    invite_message_id INTEGER,                      -- pair: the invitation, in channel_id
    host_id           INTEGER NOT NULL,             -- who ran the command
    candidate_id      INTEGER NOT NULL,             -- who answers
    interviewer_id    INTEGER,                      -- pair: who asks and marks; NULL for solo
    chapter_key       TEXT,                         -- NULL: every chapter
    minutes           INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 10),
    state             TEXT    NOT NULL CHECK (state IN ('invited', 'active', 'ended')),
    end_reason        TEXT CHECK (end_reason IN ('finished', 'ended', 'abandoned', 'declined', 'lapsed')),
    ended_by          INTEGER,                      -- who ended or declined it
    created_at        TEXT    NOT NULL,             -- UTC ISO (bot.db.utc_iso)
    started_at        TEXT,
    ended_at          TEXT,
    expires_at        TEXT,                         -- NULL once ended
    CHECK ((kind = 'solo') = (interviewer_id IS NULL))
);
CREATE INDEX interviews_expiring ON interviews (expires_at) WHERE state <> 'ended';
CREATE INDEX interviews_by_candidate ON interviews (candidate_id, ended_at);

-- Who is in an interview that has not ended (invited counts): one interview at a time per member, enforced by
-- the primary key. Rows are deleted when their interview ends.
CREATE TABLE interview_seats (
    user_id      INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interviews (id)
);

-- The questions of an interview, written when it is created; the rest fills in as it runs. The current question
-- is the first one not marked yet.
CREATE TABLE interview_questions (
    interview_id INTEGER NOT NULL REFERENCES interviews (id),
    position     INTEGER NOT NULL,                  -- 0-based
    ref          TEXT    NOT NULL,                  -- 'question:<id>' or 'high-yield:<id>'
    chapter_key  TEXT,                              -- the chapter it counts for; NULL when none
    points       INTEGER NOT NULL CHECK (points BETWEEN 1 AND 25),  -- key points when asked
    message_id   INTEGER,                           -- pair: its message in the thread
    shown_at     TEXT,                              -- when it was put to the candidate
    deadline     TEXT,                              -- shown_at + the interview's minutes (for the sweep)
    answer_kind  TEXT CHECK (answer_kind IN ('written', 'spoken', 'timeout')),
    answer_text  TEXT,                              -- a written answer, up to 4,000 characters
    answered_at  TEXT,                              -- for a time-out: the deadline
    hint         TEXT,                              -- JSON list of point indexes the written answer seems to cover
    covered      TEXT,                              -- JSON list of point indexes marked covered
    marked_at    TEXT,                              -- when the marks were confirmed
    PRIMARY KEY (interview_id, position)
);
CREATE INDEX interview_questions_open ON interview_questions (deadline) WHERE answered_at IS NULL;
