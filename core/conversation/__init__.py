"""The conversation: routing a chat's messages, the agent relay, uploads."""
