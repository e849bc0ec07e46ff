"""Reusable widgets of the TUI (conversation log, question, reasoning panel, ladder, work status)."""
