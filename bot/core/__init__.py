"""The bot's core rules (no Discord here): selection, grading, streaks, scoring, spaced review."""
