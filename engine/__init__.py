"""Answering: retrieval, prompt, providers, events, tokens and prices."""
