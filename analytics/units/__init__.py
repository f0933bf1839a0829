"""The province's units and its plan: the official registry, former groups, name matching, the appendix targets, and
building the database."""
