"""Articles in: reading files into documents (loading), cleaning them and cutting chunks."""
