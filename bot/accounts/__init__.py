"""Staff accounts of the back office: roles, passwords, one-time codes, sessions, login throttling."""
