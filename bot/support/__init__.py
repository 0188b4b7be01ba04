"""Support tickets: customers ask about an order or a payment, admins answer inside Telegram."""
