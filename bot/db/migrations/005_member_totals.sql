-- Totals per member, server and UTC period (ISO week, calendar month, all time), so that leaderboards and
-- /stats read one row per member instead of scanning the history in score_events.
--
-- bot.repos.scores.insert_score keeps them: one upsert of the three rows (week, month, all) in the same
-- transaction as each score event it writes, so a total is never out of step with the ledger. Every total is
-- a sum or a maximum, so the rows do not depend on the order in which answers arrive.

CREATE TABLE member_totals (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    period       TEXT    NOT NULL CHECK (period IN ('week', 'month', 'all')),
    period_start TEXT    NOT NULL,           -- UTC date the period starts ('YYYY-MM-DD': a Monday, a 1st); '' for all
    points       INTEGER NOT NULL DEFAULT 0,
    answers      INTEGER NOT NULL DEFAULT 0, -- scored answers
    graded       INTEGER NOT NULL DEFAULT 0, -- answers graded right or wrong (open questions are not)
    correct      INTEGER NOT NULL DEFAULT 0,
    -- Points ties go to whoever reached their total first: the time of the last answer that earned points
    -- (answers earn 0 or more, so the running total last changed there). NULL while the total is 0.
    points_at    TEXT,
    -- Accuracy ties go to whoever gave their last graded answer first. NULL while nothing was graded.
    graded_at    TEXT,
    PRIMARY KEY (guild_id, period, period_start, user_id)
) WITHOUT ROWID;

-- Back-fill from the history, so that an upgraded database is right at once (before the indexes: building
-- them afterwards is faster than keeping them up to date row by row). Timestamps are UTC ISO text: the first
-- 10 characters are the UTC date, and an ISO week starts on the Monday on or before it.
INSERT INTO member_totals (guild_id, user_id, period, period_start, points, answers, graded, correct, points_at, graded_at)
SELECT guild_id, user_id, 'all', '', SUM(points), COUNT(*), COUNT(correct), COALESCE(SUM(correct), 0),
       MAX(CASE WHEN points > 0 THEN created_at END), MAX(CASE WHEN correct IS NOT NULL THEN created_at END)
FROM score_events GROUP BY guild_id, user_id;

INSERT INTO member_totals (guild_id, user_id, period, period_start, points, answers, graded, correct, points_at, graded_at)
SELECT guild_id, user_id, 'month', substr(created_at, 1, 7) || '-01' AS start, SUM(points), COUNT(*), COUNT(correct),
       COALESCE(SUM(correct), 0), MAX(CASE WHEN points > 0 THEN created_at END),
       MAX(CASE WHEN correct IS NOT NULL THEN created_at END)
FROM score_events GROUP BY guild_id, start, user_id;

INSERT INTO member_totals (guild_id, user_id, period, period_start, points, answers, graded, correct, points_at, graded_at)
SELECT guild_id, user_id, 'week', date(substr(created_at, 1, 10), '-6 days', 'weekday 1') AS start, SUM(points),
       COUNT(*), COUNT(correct), COALESCE(SUM(correct), 0), MAX(CASE WHEN points > 0 THEN created_at END),
       MAX(CASE WHEN correct IS NOT NULL THEN created_at END)
FROM score_events GROUP BY guild_id, start, user_id;

-- The boards (bot.repos.leaderboard) in their order, ties included: their top rows, the count of ranked
-- members and a member's place are ranges of these indexes, which hold every column the queries read.
CREATE INDEX member_totals_by_points ON member_totals (guild_id, period, period_start, points DESC, points_at, user_id);
-- Accuracy ranks by the exact expression the query sorts by.
CREATE INDEX member_totals_by_accuracy ON member_totals
    (guild_id, period, period_start, (CAST(correct AS REAL) / graded) DESC, graded_at, user_id, graded, correct);
-- The streak board's index, with the last tie-break (user id) so that its top rows need no sort.
DROP INDEX member_streaks_by_current;
CREATE INDEX member_streaks_by_current ON member_streaks (guild_id, current DESC, updated_at, user_id);

-- The leaderboards no longer read score_events: drop their wide indexes (each one slowed every scored answer,
-- and the planner chose the board index for per-member lookups it does not suit). What remains to read there
-- is a member's history in a server by time (the /stats activity calendar).
DROP INDEX score_events_board;
DROP INDEX score_events_by_guild_time;
DROP INDEX score_events_by_guild_user;
CREATE INDEX score_events_by_member ON score_events (guild_id, user_id, created_at);
