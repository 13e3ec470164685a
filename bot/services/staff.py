"""Kept for callers written before bot/services/access.py: `Staff` is the access service."""

from __future__ import annotations

from bot.services.access import Access

Staff = Access

__all__ = ["Staff"]
