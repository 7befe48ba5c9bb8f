-- Schema of the daily question (channels, posts, answers, streaks).

-- One row per channel that has (or had) a daily question. /daily stop sets enabled = 0 and keeps the row, so
-- setting the channel up again continues its question cycle. The cycle's order is the pool shuffled by
-- cycle_seed (bot.core.daily.cycle_order); the posts of the cycle say which items are used.
CREATE TABLE daily_channels (
    channel_id  INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    post_time   TEXT    NOT NULL,                -- local wall-clock time, 'HH:MM' (24 h)
    timezone    TEXT    NOT NULL,                -- IANA name, e.g. 'Europe/London'
    kind        TEXT    NOT NULL CHECK (kind IN ('definitions', 'interview', 'mixed')),
    chapters    TEXT    NOT NULL DEFAULT '',     -- comma-separated chapter keys ('pack:number'); '' = all
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    cycle       INTEGER NOT NULL DEFAULT 1,
    cycle_seed  INTEGER NOT NULL,
    set_by      INTEGER NOT NULL,
    set_at      TEXT    NOT NULL                 -- UTC ISO; slots before it are never caught up
);
CREATE INDEX daily_channels_by_guild ON daily_channels (guild_id, enabled);

-- One row per channel and local date, claimed before the message is sent (see bot.core.daily for the claim
-- rules): 'claimed' (being sent; claim_token names the bot run), 'posted' (message_id set), 'failed'
-- (released after a failed send; a retry claims it again and keeps its id and question).
CREATE TABLE daily_posts (
    id          INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    local_date  TEXT    NOT NULL,                -- 'YYYY-MM-DD' in the channel's time zone
    state       TEXT    NOT NULL CHECK (state IN ('claimed', 'posted', 'failed')),
    claim_token TEXT    NOT NULL,
    claimed_at  TEXT    NOT NULL,                -- UTC ISO
    item        TEXT,                            -- 'term:<id>' or 'question:<id>'
    cycle       INTEGER,
    options     TEXT,                            -- multiple choice: the four term ids, comma-separated
    answer      INTEGER,                         -- multiple choice: index of the right option
    message_id  INTEGER,
    thread_id   INTEGER,
    posted_at   TEXT,                            -- UTC ISO
    UNIQUE (channel_id, local_date)
);
CREATE INDEX daily_posts_by_guild ON daily_posts (guild_id, state, local_date);
CREATE INDEX daily_posts_by_cycle ON daily_posts (channel_id, cycle);

-- One answer per member and post: the option chosen (multiple choice) or the text and self-rating (open).
CREATE TABLE daily_answers (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES daily_posts (id),
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    choice      INTEGER,
    correct     INTEGER CHECK (correct IN (0, 1)),
    answer_text TEXT,
    rating      TEXT CHECK (rating IN ('missed', 'partly', 'nailed')),
    answered_at TEXT    NOT NULL,                -- UTC ISO
    rated_at    TEXT,
    UNIQUE (post_id, user_id)
);
CREATE INDEX daily_answers_by_member ON daily_answers (guild_id, user_id, answered_at);

-- Each member's streak in a server (rules: bot.core.streaks), recomputed on every answer and when a post
-- closes days. updated_at / longest_at: when current / longest last changed (ties go to the earlier).
CREATE TABLE member_streaks (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    current     INTEGER NOT NULL DEFAULT 0,
    longest     INTEGER NOT NULL DEFAULT 0,
    freezes     INTEGER NOT NULL DEFAULT 0,
    last_date   TEXT,                            -- the last answered post date, 'YYYY-MM-DD'
    updated_at  TEXT    NOT NULL,                -- UTC ISO
    longest_at  TEXT    NOT NULL,                -- UTC ISO
    PRIMARY KEY (guild_id, user_id)
);
-- The streak leaderboard (bot.repos.leaderboard) ranks by current streak, ties to who reached it first.
CREATE INDEX member_streaks_by_current ON member_streaks (guild_id, current DESC, updated_at);
