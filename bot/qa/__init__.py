"""Questions and answers: asking the knowledge base, logging, feedback, answer channels, gaps."""
