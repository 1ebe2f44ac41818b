"""The knowledge base (知识库): FAQ entries kept by agencies and hall management, and frequent question analysis (004; 001 8.6)."""
