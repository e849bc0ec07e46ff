"""Intake: what the customer wrote (free text, pasted SIP lines, alert codes)
becomes observations with a confidence and the words that triggered them.

The vocabulary is data (knowledge/intake.yaml); matching is local and
deterministic (regular expressions, phonenumbers, rapidfuzz for typos).
"""
