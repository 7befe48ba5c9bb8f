-- PostgreSQL spelling of ../005_member_totals.sql (same table, columns and back-fill; keep the two in step).
-- The ISO week's Monday is date_trunc('week', …); the accuracy index is partial (graded > 0), so its ratio is
-- computed only where it has a denominator (SQLite gives NULL for x / 0, PostgreSQL an error).

CREATE TABLE member_totals (
    guild_id     BIGINT  NOT NULL,
    user_id      BIGINT  NOT NULL,
    period       TEXT    NOT NULL CHECK (period IN ('week', 'month', 'all')),
    period_start TEXT    NOT NULL,
    points       BIGINT  NOT NULL DEFAULT 0,
    answers      BIGINT  NOT NULL DEFAULT 0,
    graded       BIGINT  NOT NULL DEFAULT 0,
    correct      BIGINT  NOT NULL DEFAULT 0,
    points_at    TEXT,
    graded_at    TEXT,
    PRIMARY KEY (guild_id, period, period_start, user_id)
);

INSERT INTO member_totals (guild_id, user_id, period, period_start, points, answers, graded, correct, points_at, graded_at)
SELECT guild_id, user_id, 'all', '', SUM(points), COUNT(*), COUNT(correct), COALESCE(SUM(correct), 0),
       MAX(CASE WHEN points > 0 THEN created_at END), MAX(CASE WHEN correct IS NOT NULL THEN created_at END)
FROM score_events GROUP BY guild_id, user_id;

INSERT INTO member_totals (guild_id, user_id, period, period_start, points, answers, graded, correct, points_at, graded_at)
SELECT guild_id, user_id, 'month', substr(created_at, 1, 7) || '-01' AS start, SUM(points), COUNT(*), COUNT(correct),
       COALESCE(SUM(correct), 0), MAX(CASE WHEN points > 0 THEN created_at END),
       MAX(CASE WHEN correct IS NOT NULL THEN created_at END)
FROM score_events GROUP BY guild_id, substr(created_at, 1, 7) || '-01', user_id;

INSERT INTO member_totals (guild_id, user_id, period, period_start, points, answers, graded, correct, points_at, graded_at)
SELECT guild_id, user_id, 'week', to_char(date_trunc('week', CAST(substr(created_at, 1, 10) AS date)), 'YYYY-MM-DD'),
       SUM(points), COUNT(*), COUNT(correct), COALESCE(SUM(correct), 0), MAX(CASE WHEN points > 0 THEN created_at END),
       MAX(CASE WHEN correct IS NOT NULL THEN created_at END)
FROM score_events
GROUP BY guild_id, to_char(date_trunc('week', CAST(substr(created_at, 1, 10) AS date)), 'YYYY-MM-DD'), user_id;

CREATE INDEX member_totals_by_points ON member_totals (guild_id, period, period_start, points DESC, points_at, user_id);
CREATE INDEX member_totals_by_accuracy ON member_totals
    (guild_id, period, period_start, (CAST(correct AS DOUBLE PRECISION) / graded) DESC, graded_at, user_id, graded, correct)
    WHERE graded > 0;
DROP INDEX member_streaks_by_current;
CREATE INDEX member_streaks_by_current ON member_streaks (guild_id, current DESC, updated_at, user_id);

DROP INDEX score_events_board;
DROP INDEX score_events_by_guild_time;
DROP INDEX score_events_by_guild_user;
CREATE INDEX score_events_by_member ON score_events (guild_id, user_id, created_at);
