-- Schema of group battles (battles, players, rounds, answers) and the leaderboard's index.
--
-- How "each answer recorded exactly once, the leaderboard counts only closed rounds" holds:
-- a click writes its battle_answers row at once (UNIQUE (battle_id, round, user_id): a second click
-- changes nothing), and only while its round is open (closed_at IS NULL). Closing a round is one
-- transaction: set closed_at, read the round's answers, update battle_players and insert one score_events
-- row per player. Transactions are serialized, so every answer lands either before the close (and is
-- scored) or after it (and is refused). A round that never closed (stop, restart) scores nothing.

CREATE TABLE battles (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    host_id       INTEGER NOT NULL,
    chapter_key   TEXT,                                   -- NULL: every chapter
    rounds        INTEGER NOT NULL CHECK (rounds BETWEEN 3 AND 20),
    seconds       INTEGER NOT NULL CHECK (seconds BETWEEN 10 AND 60),
    scoring       TEXT    NOT NULL CHECK (scoring IN ('speed', 'flat')),
    state         TEXT    NOT NULL DEFAULT 'lobby' CHECK (state IN ('lobby', 'running', 'ended')),
    lobby_message INTEGER,                                -- the message with Join and Start
    lobby_until   TEXT    NOT NULL,                       -- when the lobby starts the battle by itself
    current_round INTEGER NOT NULL DEFAULT 0,             -- 0 in the lobby
    created_at    TEXT    NOT NULL,
    started_at    TEXT,
    ended_at      TEXT,
    end_reason    TEXT CHECK (end_reason IN ('finished', 'stopped', 'restart', 'empty', 'error'))
);
-- One battle at a time per channel: a second INSERT for the same channel fails while one is not ended.
CREATE UNIQUE INDEX battles_one_active_per_channel ON battles (channel_id) WHERE state <> 'ended';

CREATE TABLE battle_players (
    battle_id INTEGER NOT NULL REFERENCES battles (id),
    user_id   INTEGER NOT NULL,
    joined_at TEXT    NOT NULL,
    points    INTEGER NOT NULL DEFAULT 0,                -- of closed rounds only
    run       INTEGER NOT NULL DEFAULT 0,                -- consecutive correct answers up to the last closed round
    correct   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (battle_id, user_id)
);

CREATE TABLE battle_rounds (
    battle_id  INTEGER NOT NULL REFERENCES battles (id),
    round      INTEGER NOT NULL,                         -- 1-based
    term_id    TEXT    NOT NULL,
    options    TEXT    NOT NULL,                         -- JSON list of four term ids
    answer     INTEGER NOT NULL CHECK (answer BETWEEN 0 AND 3),
    message_id INTEGER,
    started_at TEXT    NOT NULL,                         -- answer times count from here
    deadline   TEXT    NOT NULL,
    closed_at  TEXT,                                     -- NULL while answers are taken
    PRIMARY KEY (battle_id, round)
);

CREATE TABLE battle_answers (
    battle_id   INTEGER NOT NULL,
    round       INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    choice      INTEGER NOT NULL CHECK (choice BETWEEN 0 AND 3),
    elapsed_us  INTEGER NOT NULL CHECK (elapsed_us >= 0),  -- microseconds from the round's start, clamped to T
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (battle_id, round, user_id),
    FOREIGN KEY (battle_id, round) REFERENCES battle_rounds (battle_id, round),
    FOREIGN KEY (battle_id, user_id) REFERENCES battle_players (battle_id, user_id)
) WITHOUT ROWID;

-- The leaderboard's period queries read only this index (no table lookups): a guild's events in a time
-- range with the columns the totals, accuracy and "reached first" need.
CREATE INDEX score_events_board ON score_events (guild_id, created_at, user_id, points, correct);
