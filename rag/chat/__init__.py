"""Chat: follow-up rewriting (`condense`) and persistent conversations (`conversations`)."""
