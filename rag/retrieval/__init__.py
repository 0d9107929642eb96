"""Finding passages (retriever) and their best sentences (evidence) for a question."""
