"""The Textual front end: guided session, live reasoning, diagnosis, trace ladder.

Only this package imports textual; it renders `advisor.session.Session` and
`advisor.engine.diagnosis.Diagnosis` and forwards the engineer's input to them.
"""
