"""Words and numbers as people read them: Vietnamese labels for codes, number and date formats, user text."""
