"""Reading a question: what it asks for (asks), its time words (timeframe), and the
filters and day it is read against (scope)."""
