"""Compare mode: what does each source say about a topic, and where do they disagree?

- `detect`: spot comparative questions and strip their framing down to the topic;
- `per_source`: score every source on the topic once and decide who addresses it;
- `synthesis`: disagreements across sources and the closing synthesis text;
- `comparer`: the per-source entries and the answer text, streamed.
"""
