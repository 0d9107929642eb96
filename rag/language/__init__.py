"""Words: sentences and spans (text), dates, and WordNet lemmas (lexicon)."""
