"""Compare mode: what does each source say about a topic, and where do they disagree?

- `detect`: spot comparative questions and strip their framing down to the topic;
- `per_source`: score every article on the topic and decide which address it;
- `per_outlet`: over an archive, each outlet with its best articles on the topic;
- `synthesis`: disagreements across outlets or articles, dated, and the closing text;
- `comparer`: the per-source entries and the answer text, streamed.
"""
