"""The PostgreSQL spelling of each migration in the folder above: the same numbers and names."""
