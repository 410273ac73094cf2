"""Texts every embedding test uses."""

from __future__ import annotations

# Learner-style queries (typos, slang, keywords) and passages of several lengths, some past
# the 256-token limit, so both truncation and short inputs are exercised.
TEXTS = [
    "how do I start learning docker?",
    "wat is kubernets and why wud i use it",
    "linux file permisions chmod 755",
    "best resources for statistics and probability",
    "ok so like how do i even deploy a model lol",
    "git rebase vs merge",
    "RAG",
    "what should i learn first for mlops??",
    "Which course covers SQL window functions and query plans?",
    "def fit(self, X, y):\n    return self",
    "Terraform state files record which real resources belong to which configuration blocks.",
    "A learning path is a sequence of modules; each module lists what you need to know and "
    "resources to study, with an estimated duration so you can plan your weeks.",
    "Continuous integration runs the test suite on every push so that regressions surface "
    "early, while continuous delivery keeps the main branch releasable at all times. Together "
    "they shorten the feedback loop between writing code and learning whether it works in "
    "production, which is why most DevOps learning paths introduce them right after version "
    "control and before infrastructure as code.",
    " ".join(
        f"Step {i}: profile the model, quantize the weights, measure latency and accuracy again."
        for i in range(40)
    ),
    "Gradient descent updates parameters against the gradient of the loss; the learning rate "
    "sets the step size. Too large and training diverges, too small and it crawls. Schedules "
    "such as cosine decay or warm restarts change it over time. " * 6,
    "🚀 emojis, ünïcödé and mojibake like ðŸš§ still have to embed without errors",
]
