"""Support: whether an answer's sentences are backed by the quotes they cite.

- exact.py: the fast checks (numbers, dates, names, negation, a reversed word, coverage);
- judge.py: the one support score (the verifier's probability, after the exact checks)
  and its threshold;
- release.py: an LLM's answer released sentence by sentence as the judge allows, with
  re-citing.
"""
