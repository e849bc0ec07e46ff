"""SIP Trunk Advisor: a terminal expert system for failing SIP trunks."""

__version__ = "0.1.0"
