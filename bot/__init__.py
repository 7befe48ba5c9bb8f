"""Interview-practice Discord bot: daily questions, lookups, quizzes, streaks and leaderboards."""
