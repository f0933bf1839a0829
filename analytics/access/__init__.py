"""Who may do what: accounts and roles, sign-in sessions, single sign-on identities, the audit log."""
