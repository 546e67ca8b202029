"""Backends turn a request (plus the conversation so far) into a segment spec or SQL."""
