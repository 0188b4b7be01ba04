"""Notifications: the outbox sender, admin alerts and housekeeping."""
